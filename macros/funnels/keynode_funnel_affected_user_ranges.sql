{#-
    Three CTEs for an incremental run of a per-user-day funnel model (int_funnel_user_days,
    int_funnel_next_moves on DuckDB): processed_watermark and recent_events (keynode_funnel_recent_events)
    and `affected_user_ranges`, one row per (funnel_key, user_key) with a recent row and the range of
    start dates those rows can change: a row at ts can change the chains of its own user that start from
    date(ts - W) up to its own date (recomputing an unchanged user-day inside the range is harmless).
    `processed` is the calling model's relation (its processed_landed_date is the watermark).
-#}
{% macro keynode_funnel_affected_user_ranges(events, processed, lookback_days, window_minutes) -%}
{{ keynode_funnel_recent_events(
    events, processed, lookback_days, ['funnel_key', 'user_key', 'event_ts', 'event_date']
) }},

affected_user_ranges as (

    select
        funnel_key,
        user_key,
        min(cast(event_ts - interval {{ window_minutes }} minute as date)) as first_date,
        max(event_date) as last_date
    from recent_events
    group by funnel_key, user_key

)
{%- endmacro %}
