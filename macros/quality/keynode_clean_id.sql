{#- An identifier as text with surrounding spaces trimmed, or NULL when it is blank or contains a control
    character (tab, newline, NUL, ... U+0000-U+001F, U+007F): such an id is a missing id. -#}
{% macro keynode_clean_id(expr) -%}
    {{ return(adapter.dispatch('keynode_clean_id', 'keynode')(expr)) }}
{%- endmacro %}

{% macro default__keynode_clean_id(expr) -%}
    case when regexp_full_match(trim({{ expr }}), '[^\x00-\x1f\x7f]+') then trim({{ expr }}) end
{%- endmacro %}

{#- Spark: string literals eat one level of backslashes; rlike has no implicit anchors. -#}
{% macro spark__keynode_clean_id(expr) -%}
    case when trim({{ expr }}) rlike '^[^\\x00-\\x1f\\x7f]+$' then trim({{ expr }}) end
{%- endmacro %}
