{#-
    Client events (stg_events__events) per event day and hour: every hour of every day from the first
    to the last event day, an hour without events being a row of zeros. `keynode check` compares each
    hour with its floor from the trailing same-hour history (suite events_hourly).
-#}
with

events as (

    select
        event_date,
        event_ts,
        platform,
        is_late
    from {{ ref('stg_events__events') }}

),

hours as (

    select generated_number - 1 as event_hour
    from ({{ dbt.generate_series(24) }}) as series

),

hourly as (

    select
        event_date as date_day,
        extract(hour from event_ts) as event_hour,
        count(*) as events,
        count_if(is_late) as late_events,
        count_if(platform is null) as events_without_platform
    from events
    group by event_date, extract(hour from event_ts)

),

bounds as (

    select
        min(date_day) as first_day,
        max(date_day) as last_day
    from hourly

),

days as (

    {{ keynode_day_spine('bounds', 'bounds.first_day', 'bounds.last_day') }}

),

final as (

    select
        days.date_day,
        cast(hours.event_hour as integer) as event_hour,
        coalesce(hourly.events, 0) as events,
        coalesce(hourly.late_events, 0) as late_events,
        coalesce(hourly.events_without_platform, 0) as events_without_platform
    from days
    cross join hours
    left join hourly
        on
            days.date_day = hourly.date_day
            and hours.event_hour = hourly.event_hour

)

select * from final
