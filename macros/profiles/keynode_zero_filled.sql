{#- Select-list items `coalesce(<relation>.<column>, 0) as <column>` for each column, comma-separated:
    the counts of a profile's day that had no rows are 0, not NULL. -#}
{% macro keynode_zero_filled(relation, columns) -%}
    {%- for column in columns -%}
        coalesce({{ relation }}.{{ column }}, 0) as {{ column }}{{ ',\n        ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
