{#- `select * from <cte>` for each named CTE, joined by `union all` (the CTEs have the same columns, in the
    same order). -#}
{% macro keynode_union_ctes(ctes) -%}
    {%- for cte in ctes %}
    select * from {{ cte }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
