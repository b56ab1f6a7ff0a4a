{#- A join condition: `left.c = right.c and ...` for each key column c; a [left_column, right_column] pair
    joins two differently named columns (e.g. ['opened_date', 'metric_date']). -#}
{% macro keynode_same_key(left, right, columns) -%}
    {%- for column in columns -%}
        {%- set pair = [column, column] if column is string else column -%}
        {{ left }}.{{ pair[0] }} = {{ right }}.{{ pair[1] }}{{ ' and ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
