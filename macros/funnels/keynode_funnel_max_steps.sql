{#-
    Number of funnel levels the windowed-funnel SQL is unrolled to: the largest `node_step` in the
    `funnel_nodes` seed, read when the model is executed (seeds are upstream, so they are loaded by
    then). The var `keynode__funnel_max_steps` overrides it. When nothing can be read (parsing, or a
    database without seeds, e.g. lint or a bare `dbt compile`, and unit tests) it falls back to `fallback`.
    Unrolling to more levels than a funnel has is harmless: the extra levels are empty.
-#}
{% macro keynode_funnel_max_steps(fallback=17) -%}
    {%- set override = var('keynode__funnel_max_steps', none) -%}
    {%- if override is not none -%}
        {{ return(override | int) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(fallback) }}
    {%- endif -%}
    {#- `graph` is empty in unit tests: they fall back (fixtures never need more steps). -#}
    {%- set seed_node = (graph.get('nodes') or {}).get('seed.' ~ project_name ~ '.funnel_nodes') -%}
    {%- set seed_relation = none -%}
    {%- if seed_node is not none -%}
        {%- set seed_relation = adapter.get_relation(
            database=seed_node.database, schema=seed_node.schema, identifier=seed_node.alias
        ) -%}
    {%- endif -%}
    {%- if seed_relation is none -%}
        {%- do log('keynode_funnel_max_steps: seed funnel_nodes not loaded; unrolling to '
                   ~ fallback ~ ' steps', info=false) -%}
        {{ return(fallback) }}
    {%- endif -%}
    {%- set result = run_query('select max(node_step) from ' ~ seed_relation) -%}
    {%- set max_step = result.columns[0].values()[0] -%}
    {{ return((max_step or fallback) | int) }}
{%- endmacro %}
