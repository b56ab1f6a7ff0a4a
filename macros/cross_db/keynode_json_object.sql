{#- A JSON object text built from a list of column names: {"col": value, ...}. Used to keep the raw
    content of quarantined rows readable in one column. -#}
{% macro keynode_json_object(columns) -%}
    {{ return(adapter.dispatch('keynode_json_object', 'keynode')(columns)) }}
{%- endmacro %}

{% macro default__keynode_json_object(columns) -%}
    cast(
        json_object({% for c in columns %}'{{ c }}', {{ c }}{{ ", " if not loop.last }}{% endfor %})
        as {{ dbt.type_string() }}
    )
{%- endmacro %}

{% macro spark__keynode_json_object(columns) -%}
    to_json(named_struct({% for c in columns %}'{{ c }}', {{ c }}{{ ", " if not loop.last }}{% endfor %}))
{%- endmacro %}
