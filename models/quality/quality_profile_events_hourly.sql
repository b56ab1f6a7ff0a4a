{#-
    Client events (stg_events__events) per event day and hour: every hour of every day from the first
    to the last event day, an hour without events being a row of zeros. `keynode check` compares each
    hour with its floor from the trailing same-hour history (suite events_hourly).

    Incremental on DuckDB (delete+insert on date_day): a staged event never changes its day, so a daily
    run recomputes only the event days of the events landed within var keynode__lookback_days of the
    table's newest processed_landed_date, and adds the days the spine gains (a new last day, or a day
    between that had no row yet), 24 rows each. Spark rebuilds it.
-#}
{#- a table built before processed_landed_date existed gets the column (NULL: its first run
    recomputes every day) -#}
{%- set add_watermark = ["{{ keynode_add_column_if_missing(this, 'processed_landed_date', 'date') }}"] -%}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        incremental_strategy=keynode_incremental_strategy(),
        unique_key='date_day',
        on_schema_change='append_new_columns',
        pre_hook=([] if target.type == 'spark' else add_watermark),
    )
}}

with

events as (

    select
        event_date,
        event_ts,
        platform,
        is_late,
        landed_date
    from {{ ref('stg_events__events') }}

),

bounds as (

    select
        min(event_date) as first_day,
        max(event_date) as last_day,
        max(landed_date) as processed_landed_date
    from events

),

days as (

    {{ keynode_day_spine('bounds', 'bounds.first_day', 'bounds.last_day') }}

),

{% if is_incremental() %}
-- the days whose counts can change: those of events landed within the lookback (all days when the
-- stored rows have no watermark yet), and the days the table has no row for
changed_days as (

    select distinct event_date as date_day
    from events
    where
        landed_date
        >= coalesce({{ keynode_lookback_start('processed_landed_date') }}, cast('0001-01-01' as date))

),

stored_days as (

    select distinct date_day
    from {{ this }}

),

recomputed_days as (

    select days.date_day
    from days
    left join stored_days
        on days.date_day = stored_days.date_day
    where
        stored_days.date_day is null
        or days.date_day in (select changed_days.date_day from changed_days)

),
{% else %}
    recomputed_days as (

        select date_day
        from days

    ),
{% endif %}

hours as (

    select generated_number - 1 as event_hour
    from ({{ dbt.generate_series(24) }}) as series

),

hourly as (

    select
        events.event_date as date_day,
        extract(hour from events.event_ts) as event_hour,
        count(*) as events,
        count_if(events.is_late) as late_events,
        count_if(events.platform is null) as events_without_platform
    from events
    {%- if is_incremental() %}
    inner join recomputed_days
        on events.event_date = recomputed_days.date_day
    {%- endif %}
    group by events.event_date, extract(hour from events.event_ts)

),

final as (

    select
        recomputed_days.date_day,
        cast(hours.event_hour as integer) as event_hour,
        coalesce(hourly.events, 0) as events,
        coalesce(hourly.late_events, 0) as late_events,
        coalesce(hourly.events_without_platform, 0) as events_without_platform,
        bounds.processed_landed_date
    from recomputed_days
    cross join hours
    cross join bounds
    left join hourly
        on
            recomputed_days.date_day = hourly.date_day
            and hours.event_hour = hourly.event_hour

)

select * from final
