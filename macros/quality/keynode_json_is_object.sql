{#- True when the valid JSON text `expr` is an object (`{...}`), false for an array, a string, a number,
    true/false/null; NULL on NULL or invalid input (check keynode_json_valid first). -#}
{% macro keynode_json_is_object(expr) -%}
    {{ return(adapter.dispatch('keynode_json_is_object', 'keynode')(expr)) }}
{%- endmacro %}

{% macro default__keynode_json_is_object(expr) -%}
    case when json_valid({{ expr }}) then json_type({{ expr }}) = 'OBJECT' end
{%- endmacro %}

{#- Spark: valid JSON (keynode_json_valid, strict like DuckDB's json_valid) whose first character after
    JSON whitespace (space, tab, line feed, carriage return) is `{`. -#}
{% macro spark__keynode_json_is_object(expr) -%}
    case when {{ keynode_json_valid(expr) }}
        then left(ltrim(translate({{ expr }}, concat(chr(9), chr(10), chr(13)), '   ')), 1) = '{'
    end
{%- endmacro %}
