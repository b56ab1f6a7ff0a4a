{#- The opposite of keynode_shared_cte: a hint written between `as` and `(` in the definition of a
    wide CTE that several CTEs read, each only a few of its rows or columns, so the engine recomputes
    it at every reference instead of writing all of it to memory (and disk) first. -#}
{% macro keynode_inlined_cte() -%}
    {{ return(adapter.dispatch('keynode_inlined_cte', 'keynode')()) }}
{%- endmacro %}

{#- DuckDB materialises a CTE that is referenced more than once; NOT MATERIALIZED inlines it. -#}
{% macro default__keynode_inlined_cte() -%}
    not materialized
{%- endmacro %}

{#- Spark inlines every deterministic CTE at each reference already (and has no such hint). -#}
{% macro spark__keynode_inlined_cte() -%}
{%- endmacro %}
