{#- True when `expr` is one syntactically valid JSON document (object, array, string, number, true, false
    or null; strict JSON: double-quoted names and strings, nothing after the value), false otherwise,
    NULL on NULL input. The same verdict on every engine. -#}
{% macro keynode_json_valid(expr) -%}
    {{ return(adapter.dispatch('keynode_json_valid', 'keynode')(expr)) }}
{%- endmacro %}

{% macro default__keynode_json_valid(expr) -%}
    json_valid({{ expr }})
{%- endmacro %}

{#- Spark has no json_valid, and its JSON reader is lenient: it accepts single-quoted JSON and ignores
    text after the first value. So the text is parsed as the only element of a JSON array, with single
    quotes refused: anything after the value (a second value, garbage) makes the array malformed
    (NULL) or longer than one element. (from_json reads any JSON value as a string element.) -#}
{% macro spark__keynode_json_valid(expr) -%}
    case
        when {{ expr }} is null then null
        else coalesce(
            size(from_json(
                concat('[', {{ expr }}, ']'), 'array<string>', map('allowSingleQuotes', 'false')
            )) = 1,
            false
        )
    end
{%- endmacro %}
