{#- True when the whole string `expr` matches the regular expression `pattern` (NULL on NULL input). -#}
{% macro keynode_regexp_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('keynode_regexp_full_match', 'keynode')(expr, pattern)) }}
{%- endmacro %}

{% macro default__keynode_regexp_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__keynode_regexp_full_match(expr, pattern) -%}
    ({{ expr }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}
