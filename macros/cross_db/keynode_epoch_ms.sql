{#- Milliseconds since the Unix epoch of a UTC timestamp (bigint). Differences of two of these give
    exact elapsed time on every engine, unlike dbt.datediff, which counts boundaries on DuckDB. -#}
{% macro keynode_epoch_ms(expr) -%}
    {{ return(adapter.dispatch('keynode_epoch_ms', 'keynode')(expr)) }}
{%- endmacro %}

{% macro default__keynode_epoch_ms(expr) -%}
    epoch_ms({{ expr }})
{%- endmacro %}

{% macro spark__keynode_epoch_ms(expr) -%}
    unix_millis({{ expr }})
{%- endmacro %}
