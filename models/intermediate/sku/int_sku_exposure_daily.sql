{#- Marketing exposure per SKU and day, summed over channels and campaigns. -#}
with

exposures as (

    select
        exposure_date,
        sku_id,
        campaign_id,
        impressions,
        clicks,
        spend
    from {{ ref('stg_marketing__exposures') }}

),

final as (

    select
        exposure_date,
        sku_id,
        count(distinct campaign_id) as campaigns,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend
    from exposures
    group by exposure_date, sku_id

)

select * from final
