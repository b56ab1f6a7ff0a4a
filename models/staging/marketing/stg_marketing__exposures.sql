{#- Valid daily marketing exposure, one row per (exposure_date, channel, campaign_id, sku_id). -#}
with

checked as (

    select * from {{ ref('base_marketing__exposures') }}
    where quarantine_reason is null and copy_rank = 1

),

final as (

    select
        exposure_date,
        channel,
        campaign_id,
        sku_id,
        impressions,
        clicks,
        spend,
        ingested_at,
        landed_date
    from checked

)

select * from final
