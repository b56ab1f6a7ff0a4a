{#- A predicate that is always true, written into the WHERE clause of a CTE that later CTEs read many
    times, so the engine computes that CTE once instead of once per reference. -#}
{% macro keynode_shared_cte() -%}
    {{ return(adapter.dispatch('keynode_shared_cte', 'keynode')()) }}
{%- endmacro %}

{#- DuckDB materialises a CTE that is referenced more than once by itself. -#}
{% macro default__keynode_shared_cte() -%}
    true
{%- endmacro %}

{#- Spark inlines every deterministic CTE at each reference: in the unrolled funnel (step k read by step
    k + 1 and by the chain pivot) that re-computes each step about max_steps / 2 times. A CTE with a
    non-deterministic expression is planned once and its result shared (exchange reuse); rand() >= 0
    holds for every row. -#}
{% macro spark__keynode_shared_cte() -%}
    rand() >= 0
{%- endmacro %}
