{#- True when the number `expr` is finite (not NaN, +Inf or -Inf); NULL on NULL input. -#}
{% macro keynode_is_finite(expr) -%}
    {{ return(adapter.dispatch('keynode_is_finite', 'keynode')(expr)) }}
{%- endmacro %}

{% macro default__keynode_is_finite(expr) -%}
    isfinite(cast({{ expr }} as double))
{%- endmacro %}

{% macro spark__keynode_is_finite(expr) -%}
    (not isnan(cast({{ expr }} as double)) and abs(cast({{ expr }} as double)) < double('infinity'))
{%- endmacro %}
