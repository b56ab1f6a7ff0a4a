{#- True when `expr` is a syntactically valid JSON document (NULL on NULL input). -#}
{% macro keynode_json_valid(expr) -%}
    {{ return(adapter.dispatch('keynode_json_valid', 'keynode')(expr)) }}
{%- endmacro %}

{% macro default__keynode_json_valid(expr) -%}
    json_valid({{ expr }})
{%- endmacro %}

{#- Spark has no json_valid: a JSON object parses to a non-null map. -#}
{% macro spark__keynode_json_valid(expr) -%}
    case when {{ expr }} is null then null
        else from_json({{ expr }}, 'map<string,string>') is not null end
{%- endmacro %}
