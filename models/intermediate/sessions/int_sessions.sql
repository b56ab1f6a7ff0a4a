{#-
    Sessions: a device's events split wherever more than var `keynode__session_timeout_minutes`
    (default 30) pass without an event. One row per session with its start channel, landing page,
    size and bounce flag. Sessions are per device (a cross-device journey is two sessions of one
    user_key).

    Incremental on DuckDB: a run recomputes every session of the devices touched by newly landed,
    late or re-stitched events (int_events_stitched.effective_landed_date within the lookback of the
    newest landed_date already in the table) from the device's whole history, and replaces that
    device's sessions (delete+insert on device_id); other devices are not read past the first filter.
    A late event can merge, split or renumber any session of its device, so the device is the unit.
    Spark rebuilds the table (insert_overwrite replaces date partitions, not devices).
-#}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        incremental_strategy=keynode_incremental_strategy(),
        unique_key='device_id',
        on_schema_change='append_new_columns',
    )
}}

with

{% if is_incremental() %}
touched_devices as (

    select distinct device_id
    from {{ ref('int_events_stitched') }}
    where effective_landed_date >= {{ keynode_lookback_start('landed_date') }}

),
{% endif %}

events as (

    select
        event_id,
        device_id,
        user_key,
        event_name,
        is_page_view,
        event_ts,
        platform,
        page,
        utm_source,
        utm_medium,
        utm_campaign,
        channel_group,
        effective_landed_date
    from {{ ref('int_events_stitched') }}
    {%- if is_incremental() %}
    where device_id in (select touched_devices.device_id from touched_devices)
    {%- endif %}

),

gaps as (

    select
        *,
        {{ keynode_epoch_ms('event_ts') }} - lag({{ keynode_epoch_ms('event_ts') }}) over (
            partition by device_id order by event_ts, event_id
        ) as ms_since_previous
    from events

),

numbered as (

    select
        *,
        sum(
            case
                when ms_since_previous is null
                    or ms_since_previous > {{ var('keynode__session_timeout_minutes') }} * 60000 then 1
                else 0
            end
        ) over device_events as session_number
    from gaps
    window device_events as (
        partition by device_id
        order by event_ts, event_id
        rows between unbounded preceding and current row
    )

),

ordered as (

    select
        *,
        row_number() over (partition by device_id, session_number order by event_ts, event_id) as event_rank
    from numbered

),

firsts as (

    select
        device_id,
        session_number,
        event_id as first_event_id,
        user_key,
        event_ts as session_start_ts,
        event_name as landing_event_name,
        page as landing_page,
        platform,
        utm_source,
        utm_medium,
        utm_campaign,
        channel_group
    from ordered
    where event_rank = 1

),

aggregated as (

    select
        device_id,
        session_number,
        max(event_ts) as session_end_ts,
        count(*) as event_count,
        cast(sum(case when is_page_view then 1 else 0 end) as bigint) as page_view_count,
        max(effective_landed_date) as landed_date
    from ordered
    group by device_id, session_number

),

final as (

    select
        {{ dbt.hash(dbt.concat(['firsts.device_id', "'|'", 'firsts.first_event_id'])) }} as session_id,
        firsts.device_id,
        firsts.user_key,
        firsts.session_number,
        firsts.session_start_ts,
        aggregated.session_end_ts,
        cast(firsts.session_start_ts as date) as session_date,
        (
            {{ keynode_epoch_ms('aggregated.session_end_ts') }}
            - {{ keynode_epoch_ms('firsts.session_start_ts') }}
        )
        / cast(1000 as double) as duration_seconds,
        aggregated.event_count,
        aggregated.page_view_count,
        firsts.landing_event_name,
        firsts.landing_page,
        firsts.platform,
        firsts.utm_source,
        firsts.utm_medium,
        firsts.utm_campaign,
        firsts.channel_group,
        aggregated.event_count = 1 and aggregated.page_view_count = 1 as is_bounce,
        aggregated.landed_date
    from firsts
    inner join aggregated
        on firsts.device_id = aggregated.device_id and firsts.session_number = aggregated.session_number

)

select * from final
