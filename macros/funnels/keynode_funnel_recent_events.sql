{#-
    Two CTEs, `processed_watermark` and `recent_events`, for an incremental run of int_funnel_user_days
    or int_funnel_next_moves:
    the rows of `events` (int_funnel_events) that landed within `lookback_days` of the newest landing date
    already processed into `processed` (the model's own relation), or later; every row when none is.
    `columns` are the int_funnel_events columns recent_events keeps. The one statement of the rule that both
    the per-user-day path (keynode_funnel_affected_user_ranges, DuckDB) and keynode_funnel_affected_dates
    (Spark) read.
-#}
{% macro keynode_funnel_recent_events(events, processed, lookback_days, columns) -%}
processed_watermark as (

    select max(processed_landed_date) as watermark
    from {{ processed }}

),

-- rows that landed within the lookback of the newest landing date already processed, or later
recent_events as (

    select
        {%- for column in columns %}
        funnel_events.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ events }} as funnel_events
    cross join processed_watermark
    where
        processed_watermark.watermark is null
        or funnel_events.landed_date
        >= {{ dbt.dateadd('day', -lookback_days, 'processed_watermark.watermark') }}

)
{%- endmacro %}
