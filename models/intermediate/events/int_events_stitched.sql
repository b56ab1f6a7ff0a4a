{#-
    Valid events with the stitched person key (user_key). Incremental: a run reprocesses every event
    whose effective landing date is within the lookback window, where the effective landing date is
    the later of the event's own landing and the landing of the login that stitched its device. So a
    device that logs in today re-keys its anonymous history, and late events reach their day.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy=keynode_incremental_strategy(),
        unique_key='event_id',
        partition_by=(['effective_landed_date'] if target.type == 'spark' else none),
        file_format=('parquet' if target.type == 'spark' else none),
    )
}}

with

events as (

    select * from {{ ref('stg_events__events') }}

),

devices as (

    select
        device_id,
        stitched_user_id,
        stitched_landed_date
    from {{ ref('int_devices_stitched') }}

),

stitched as (

    select
        events.*,
        coalesce(events.user_id, devices.stitched_user_id, {{ dbt.concat(["'anon:'", 'events.device_id']) }})
            as user_key,
        case
            when events.user_id is not null then 'user_id'
            when devices.stitched_user_id is not null then 'device_stitch'
            else 'anonymous_device'
        end as identity_source,
        case
            when events.user_id is null and devices.stitched_landed_date > events.landed_date
                then devices.stitched_landed_date
            else events.landed_date
        end as effective_landed_date
    from events
    left join devices
        on events.device_id = devices.device_id

),

final as (

    select * from stitched
    {% if is_incremental() %}
        where effective_landed_date >= {{ keynode_lookback_start('effective_landed_date') }}
    {% endif %}

)

select * from final
