{#-
    Valid events with the stitched person key (user_key). Incremental: a run reprocesses every event
    whose effective landing date is within the lookback window, where the effective landing date is
    the later of the event's own landing and the landing of the login that stitched its device. So a
    device that logs in today re-keys its anonymous history, and late events reach their day.
    Such an event either landed within the window or belongs to a device stitched within it, so an
    incremental run reads only those events (the window start is a literal: the staging scan skips
    older row groups; the devices stitched in the window are literals too, up to var
    keynode__stitch_inline_max_devices of them, so only their older rows are typed and parsed), never
    all history.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy=keynode_incremental_strategy(),
        unique_key='event_id',
        partition_by=(['effective_landed_date'] if target.type == 'spark' else none),
        file_format=('parquet' if target.type == 'spark' else none),
        keynode_column_compression={'event_id': 'uncompressed'},
    )
}}

{%- set window_start = keynode_lookback_start_date('effective_landed_date') if is_incremental() else none %}
{%- set stitched_devices = (
    keynode_stitched_devices_since(
        ref('int_devices_stitched'), window_start, var('keynode__stitch_inline_max_devices') | int
    ) if is_incremental() else none
) %}

with

devices as (

    select
        device_id,
        stitched_user_id,
        stitched_landed_date
    from {{ ref('int_devices_stitched') }}

),

{% if is_incremental() %}
    -- the only events whose effective landing date can be in the window: landed in it, or of a device
    -- stitched in it (two disjoint parts, so each is a plain filter on the staging scan)
    events as (

        select * from {{ ref('stg_events__events') }}
        where landed_date >= {{ window_start }}

        union all

        select * from {{ ref('stg_events__events') }}
        where
            landed_date < {{ window_start }}
            {%- if stitched_devices is not none %}
            -- the devices as literals (keynode_stitched_devices_since): filtered in the staging scan
            and device_id in ({{ stitched_devices }})
            {%- else %}
            and device_id in (
                select devices.device_id from devices
                where devices.stitched_landed_date >= {{ window_start }}
            )
            {%- endif %}

    ),
{% else %}
    events as (

        select * from {{ ref('stg_events__events') }}

    ),
{% endif %}

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
        where effective_landed_date >= {{ window_start }}
    {% endif %}

)

select * from final
