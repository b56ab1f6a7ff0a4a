{#- True when the valid JSON text `expr` is an object (`{...}`), false for an array, a string, a number,
    true/false/null; NULL on NULL or invalid input (check keynode_json_valid first). -#}
{% macro keynode_json_is_object(expr) -%}
    {{ return(adapter.dispatch('keynode_json_is_object', 'keynode')(expr)) }}
{%- endmacro %}

{% macro default__keynode_json_is_object(expr) -%}
    case when json_valid({{ expr }}) then json_type({{ expr }}) = 'OBJECT' end
{%- endmacro %}

{#- Spark: keynode_json_valid already accepts objects only (from_json into a map). -#}
{% macro spark__keynode_json_is_object(expr) -%}
    {{ keynode_json_valid(expr) }}
{%- endmacro %}
