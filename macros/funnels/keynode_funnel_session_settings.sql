{#-
    Statements run before (`keynode_funnel_session_settings()`) and after
    (`keynode_funnel_session_settings(reset=true)`) the models whose ASOF joins (keynode_funnel_next_event)
    carry many rows - the windowed funnel, the key signals' next-move lookup - as pre/post hooks.

    DuckDB rewrites an ASOF join whose left side it *estimates* below `asof_loop_join_threshold` rows
    (64) into a nested-loop join. The funnel's deeper levels are estimated tiny but hold tens of
    thousands of states, so the nested loop costs minutes on 10M events; 0 keeps the sort-merge ASOF
    join. Other adapters need nothing.
-#}
{% macro keynode_funnel_session_settings(reset=false) -%}
    {{ return(adapter.dispatch('keynode_funnel_session_settings', 'keynode')(reset)) }}
{%- endmacro %}

{% macro default__keynode_funnel_session_settings(reset=false) -%}
{%- endmacro %}

{% macro duckdb__keynode_funnel_session_settings(reset=false) -%}
    {%- if reset -%}
        reset asof_loop_join_threshold
    {%- else -%}
        set asof_loop_join_threshold = 0
    {%- endif -%}
{%- endmacro %}
