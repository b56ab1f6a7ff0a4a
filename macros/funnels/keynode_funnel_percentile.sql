{#-
    Exact continuous percentile (linear interpolation between the two nearest ranks, as
    `percentile_cont`) of `expr` at fraction `fraction` (0..1), as an aggregate.
-#}
{% macro keynode_funnel_percentile(expr, fraction) -%}
    {{ return(adapter.dispatch('keynode_funnel_percentile', 'keynode')(expr, fraction)) }}
{%- endmacro %}

{% macro default__keynode_funnel_percentile(expr, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__keynode_funnel_percentile(expr, fraction) -%}
    quantile_cont({{ expr }}, {{ fraction }})
{%- endmacro %}
