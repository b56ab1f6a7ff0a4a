{#-
    DuckDB: one call of a funnel pass function (keynode.udf.window_funnel, registered by the dbt-duckdb
    plugin) per (funnel_key, user_key) of `events`, unnested: a select of funnel_key, user_key and
    `result_alias`, one row per struct the function returns. The user's events go in as one list of
    integers, epoch microseconds * 128 + node_step (node_step < 128, so the integer sorts by time, then
    node; any order: the function sorts each list). Shared by the DuckDB versions of
    keynode_window_funnel (chains) and keynode_funnel_next_moves (moves), so the encoding lives here once.
-#}
{% macro keynode_funnel_user_pass(events, function, window_minutes, max_steps, result_alias) -%}
    select
        funnel_key,
        user_key,
        unnest(
            {{ function }}(
                list({{ keynode_epoch_us('event_ts') }} * 128 + node_step),
                cast({{ window_minutes }} as bigint) * 60000000,
                {{ max_steps }}
            )
        ) as {{ result_alias }}
    from {{ events }}
    where event_ts is not null and node_step between 1 and {{ max_steps }}
    group by funnel_key, user_key
{%- endmacro %}
