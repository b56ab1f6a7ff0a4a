{#-
    Client events (stg_events__events) per event day, summed from quality_profile_events_hourly (one
    row per day from the first to the last event day). `keynode check` (suite events_daily) checks
    the day's volume against its history-based band and its late share against late_share_max.
-#}
with

hourly as (

    select
        date_day,
        event_hour,
        events,
        late_events,
        events_without_platform
    from {{ ref('quality_profile_events_hourly') }}

),

final as (

    select
        date_day,
        sum(events) as events,
        sum(late_events) as late_events,
        {{ keynode_share('sum(late_events)', 'sum(events)') }} as late_share,
        cast({{ var('keynode__anomaly_max_latency_rate') }} as double) as late_share_max,
        sum(events_without_platform) as events_without_platform,
        {{ keynode_ordered_list('events', 'event_hour') }} as hourly_events
    from hourly
    group by date_day

)

select * from final
