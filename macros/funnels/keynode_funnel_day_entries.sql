{#-
    One row per (funnel_key, user_key, start_date) of the node-1 rows of `events`: the `columns` and
    `event_id` (as entry_event_id) of the day's first node-1 event (earliest event_ts, ties: smallest
    event_id), and last_start_ts, the day's latest node-1 event time.

    Portable: a row_number window. DuckDB: a single hash aggregate taking the minimum of a struct
    (event_ts, event_id, columns...), which avoids sorting every node-1 event. Var
    `keynode__funnel_portable_sql: true` makes DuckDB run the portable version (tests use it).
-#}
{% macro keynode_funnel_day_entries(events, columns) -%}
    {{ return(adapter.dispatch('keynode_funnel_day_entries', 'keynode')(events, columns)) }}
{%- endmacro %}

{% macro default__keynode_funnel_day_entries(events, columns) -%}
    select
        funnel_key,
        user_key,
        event_date as start_date,
        event_id as entry_event_id,
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        last_start_ts
    from (
        select
            *,
            row_number() over (
                partition by funnel_key, user_key, event_date
                order by event_ts, event_id
            ) as entry_rank,
            max(event_ts) over (partition by funnel_key, user_key, event_date) as last_start_ts
        from {{ events }}
        where node_step = 1
    ) as ranked
    where entry_rank = 1
{%- endmacro %}

{% macro duckdb__keynode_funnel_day_entries(events, columns) -%}
    {%- if var('keynode__funnel_portable_sql', false) -%}
        {{ return(default__keynode_funnel_day_entries(events, columns)) }}
    {%- endif -%}
    select
        funnel_key,
        user_key,
        start_date,
        entry.entry_event_id,
        {%- for column in columns %}
        entry.{{ column }},
        {%- endfor %}
        last_start_ts
    from (
        select
            funnel_key,
            user_key,
            event_date as start_date,
            -- structs compare field by field: the minimum is the earliest event, ties smallest id
            min(
                struct_pack(
                    entry_ts := event_ts,
                    entry_event_id := event_id{% for column in columns %},
                    {{ column }} := {{ column }}{% endfor %}
                )
            ) as entry,
            max(event_ts) as last_start_ts
        from {{ events }}
        where node_step = 1
        group by funnel_key, user_key, event_date
    ) as entries
{%- endmacro %}
