{#-
    Sessions: a device's events split wherever more than var `keynode__session_timeout_minutes`
    (default 30) pass without an event. One row per session with its start channel, landing page,
    size and bounce flag. Sessions are per device (a cross-device journey is two sessions of one
    user_key).

    Incremental on DuckDB: a device is touched by its newly landed, late or re-stitched events
    (int_events_stitched.effective_landed_date within the lookback of the newest landed_date already
    in the table). Only the tail of a touched device's sessions can change: a new event at time t
    can merge, split or extend the stored session that began last at or before t and anything after
    it, never an earlier session (the gap before that session's start is older than t and stays a
    gap). So the run reads the device's events from that session's start on (its whole history when
    no stored session began at or before t: a re-stitched device's first event is "new"), numbers
    the sessions on from the stored sessions before it, and replaces the device's stored sessions
    from there on (strategy keynode_replace_tail). A full rebuild gives the same rows.
    Spark rebuilds the table (insert_overwrite replaces date partitions, not devices).
-#}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        incremental_strategy='keynode_replace_tail',
        unique_key='device_id',
        replace_tail_from='session_start_ts',
        on_schema_change='append_new_columns',
    )
}}

with

{% if is_incremental() %}
-- per touched device: the time of its earliest new (newly landed, late or re-stitched) event
touched_devices as (

    select
        device_id,
        min(event_ts) as first_new_ts
    from {{ ref('int_events_stitched') }}
    where effective_landed_date >= {{ keynode_lookback_start('landed_date') }}
    group by device_id

),

-- where each touched device's sessions are recomputed from: the start of its last stored session
-- that began at or before the first new event (null: from its first event), and the number of
-- stored sessions before that one (their numbers do not change)
resume_points as (

    select
        touched_devices.device_id,
        max(stored.session_start_ts) as resume_ts,
        coalesce(max(stored.session_number), 1) - 1 as sessions_before
    from touched_devices
    left join {{ this }} as stored
        on
            touched_devices.device_id = stored.device_id
            and stored.session_start_ts <= touched_devices.first_new_ts
    group by touched_devices.device_id

),
{% endif %}

events as (

    select
        stitched.event_id,
        stitched.device_id,
        stitched.user_key,
        stitched.event_name,
        stitched.is_page_view,
        stitched.event_ts,
        stitched.platform,
        stitched.page,
        stitched.utm_source,
        stitched.utm_medium,
        stitched.utm_campaign,
        stitched.channel_group,
        stitched.effective_landed_date,
        {{ 'resume_points.sessions_before' if is_incremental() else '0' }} as sessions_before
    from {{ ref('int_events_stitched') }} as stitched
    {%- if is_incremental() %}
    inner join resume_points
        on stitched.device_id = resume_points.device_id
    where resume_points.resume_ts is null or stitched.event_ts >= resume_points.resume_ts
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
        sessions_before + sum(
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
