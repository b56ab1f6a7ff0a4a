{#-
    Exact median of `expr` as an aggregate (linear interpolation between the two middle values, as
    `percentile_cont(0.5)`), NULL over no rows. DuckDB spells it `quantile_cont`; Spark 3.3+ and most
    warehouses accept the ANSI `percentile_cont ... within group`.
-#}
{% macro keynode_sku_median(expr) -%}
    {{ return(adapter.dispatch('keynode_sku_median', 'keynode')(expr)) }}
{%- endmacro %}

{% macro default__keynode_sku_median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__keynode_sku_median(expr) -%}
    quantile_cont({{ expr }}, 0.5)
{%- endmacro %}
