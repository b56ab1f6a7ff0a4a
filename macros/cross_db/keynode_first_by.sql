{#- In an aggregate: `value` of the row that sorts first by `order_by` (a list of non-null columns,
    compared in turn; make the last one unique so that no two rows tie), one pass over the group
    instead of numbering its rows with a window and keeping number 1. -#}
{% macro keynode_first_by(value, order_by) -%}
    {{ return(adapter.dispatch('keynode_first_by', 'keynode')(value, order_by)) }}
{%- endmacro %}

{#- DuckDB: arg_min over a row value (rows compare field by field). -#}
{% macro default__keynode_first_by(value, order_by) -%}
    arg_min({{ value }}, row({{ order_by | join(', ') }}))
{%- endmacro %}

{#- Spark: min_by over a struct (structs compare field by field). -#}
{% macro spark__keynode_first_by(value, order_by) -%}
    min_by({{ value }}, struct({{ order_by | join(', ') }}))
{%- endmacro %}
