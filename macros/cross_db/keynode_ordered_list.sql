{#- Aggregate: the values of `value` of a group as an array (DuckDB: list), ordered by `order_by`. -#}
{% macro keynode_ordered_list(value, order_by) -%}
    {{ return(adapter.dispatch('keynode_ordered_list', 'keynode')(value, order_by)) }}
{%- endmacro %}

{% macro default__keynode_ordered_list(value, order_by) -%}
    list({{ value }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__keynode_ordered_list(value, order_by) -%}
    transform(array_sort(collect_list(named_struct('k', {{ order_by }}, 'v', {{ value }}))), x -> x.v)
{%- endmacro %}
