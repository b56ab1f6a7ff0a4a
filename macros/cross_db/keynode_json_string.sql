{#- The value of top-level key `key` of the JSON object text `expr`, as a string (NULL if absent). -#}
{% macro keynode_json_string(expr, key) -%}
    {{ return(adapter.dispatch('keynode_json_string', 'keynode')(expr, key)) }}
{%- endmacro %}

{% macro default__keynode_json_string(expr, key) -%}
    json_extract_string({{ expr }}, '$.{{ key }}')
{%- endmacro %}

{% macro spark__keynode_json_string(expr, key) -%}
    get_json_object({{ expr }}, '$.{{ key }}')
{%- endmacro %}
