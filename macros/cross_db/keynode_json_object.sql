{#- A JSON object text built from a list of column names, {"col": "value", ...}, keys in the given order.
    Used to keep the raw content of quarantined rows readable in one column. Every value is written
    as its text (the engine's cast to string: numbers, dates and timestamps read the same on DuckDB and
    Spark, e.g. "2026-10-15 09:00:05.123") and NULL as null, so both engines give the same text. -#}
{% macro keynode_json_object(columns) -%}
    {{ return(adapter.dispatch('keynode_json_object', 'keynode')(columns)) }}
{%- endmacro %}

{% macro default__keynode_json_object(columns) -%}
    cast(
        json_object(
            {%- for c in columns %}
                '{{ c }}', cast({{ c }} as {{ dbt.type_string() }}){{ ", " if not loop.last }}
            {%- endfor %})
        as {{ dbt.type_string() }}
    )
{%- endmacro %}

{#- to_json keeps null fields only when told to (ignoreNullFields). -#}
{% macro spark__keynode_json_object(columns) -%}
    to_json(
        named_struct(
            {%- for c in columns %}
                '{{ c }}', cast({{ c }} as {{ dbt.type_string() }}){{ ", " if not loop.last }}
            {%- endfor %}),
        map('ignoreNullFields', 'false')
    )
{%- endmacro %}
