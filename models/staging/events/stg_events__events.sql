{#- Valid, de-duplicated client events: renamed, typed and categorised. One row per event_id. -#}
with

checked as (

    {{ keynode_kept_copies('events') }}

),

channel_groups as (

    select
        utm_medium,
        channel_group,
        is_paid
    from {{ ref('channel_groups') }}

),

final as (

    select
        checked.event_id,
        checked.device_id,
        checked.user_id,
        checked.event_name,
        checked.event_category,
        checked.is_page_view,
        checked.event_ts,
        cast(checked.event_ts as date) as event_date,
        checked.ingested_at,
        {{ keynode_epoch_ms('checked.ingested_at') }} - {{ keynode_epoch_ms('checked.event_ts') }}
            as ingestion_lag_ms,
        ({{ keynode_epoch_ms('checked.ingested_at') }} - {{ keynode_epoch_ms('checked.event_ts') }})
        > {{ var('keynode__late_event_minutes') }} * 60000 as is_late,
        checked.platform,
        checked.utm_source,
        checked.utm_medium,
        checked.utm_campaign,
        coalesce(channel_groups.channel_group, 'other') as channel_group,
        coalesce(channel_groups.is_paid, false) as is_paid_channel,
        checked.page,
        checked.sku_id,
        checked.price,
        checked.quantity,
        checked.page_load_ms,
        checked.properties,
        {{ keynode_json_string('checked.properties', 'member_tier') }} as member_tier,
        {{ keynode_json_string('checked.properties', 'order_id') }} as order_id,
        {{ keynode_json_string('checked.properties', 'campaign') }} as push_campaign,
        checked.landed_date,
        checked.raw_file,
        checked.raw_row_number
    from checked
    left join channel_groups
        on checked.utm_medium = channel_groups.utm_medium

)

select * from final
