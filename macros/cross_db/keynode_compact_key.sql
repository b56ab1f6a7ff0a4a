{#- A key standing for each distinct combination of `columns` (a list of non-null string columns), to join
    and partition on instead of the combination: the same value for the same combination, different
    values for different ones. Use it in a select over distinct combinations. -#}
{% macro keynode_compact_key(columns) -%}
    {{ return(adapter.dispatch('keynode_compact_key', 'keynode')(columns)) }}
{%- endmacro %}

{#- DuckDB: consecutive integers (one sort of the distinct combinations: small keys, fast joins). -#}
{% macro default__keynode_compact_key(columns) -%}
    row_number() over (order by {{ columns | join(', ') }})
{%- endmacro %}

{#- Spark: the combination itself as one string (length-prefixed, so no two combinations collide). A
    row_number over the whole table would be computed in a single partition, on one executor. -#}
{% macro spark__keynode_compact_key(columns) -%}
    concat_ws('|',
        {%- for c in columns %} cast(length({{ c }}) as string), {{ c }}{{ ", " if not loop.last }}
        {%- endfor %})
{%- endmacro %}
