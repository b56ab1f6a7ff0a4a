{#-
    Upstream lineage of the given models, read from the dbt graph at compile time: a text
    'sources: a.b, ...; models: m1, m2, ...' listing every source and model the models depend on,
    directly or transitively (seeds left out), sorted. fct_node_health_daily writes it beside an
    unhealthy node so the on-call knows which feeds and models to inspect. Returns '' while parsing
    and when the graph is empty (unit tests).
-#}
{% macro keynode_anomaly_upstream_lineage(model_names) -%}
    {%- if not execute or not graph or not graph.get('nodes') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set pending = [] -%}
    {%- for name in model_names -%}
        {%- do pending.append('model.' ~ project_name ~ '.' ~ name) -%}
    {%- endfor -%}
    {%- set seen = [] -%}
    {%- set sources = [] -%}
    {%- set models = [] -%}
    {#- Jinja has no while loop: walk breadth-first with a bounded number of rounds. -#}
    {%- for _ in range(50) -%}
        {%- set frontier = pending[:] -%}
        {%- do pending.clear() -%}
        {%- for uid in frontier if uid not in seen -%}
            {%- do seen.append(uid) -%}
            {%- if uid.startswith('source.') -%}
                {%- set src = graph.sources.get(uid) -%}
                {%- if src -%}{%- do sources.append(src.source_name ~ '.' ~ src.name) -%}{%- endif -%}
            {%- elif uid.startswith('model.') -%}
                {%- set node = graph.nodes.get(uid) -%}
                {%- if node -%}
                    {%- if uid.split('.')[-1] not in model_names -%}
                        {%- do models.append(node.name) -%}
                    {%- endif -%}
                    {%- for parent in node.depends_on.nodes -%}{%- do pending.append(parent) -%}{%- endfor -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(
        'sources: ' ~ (sources | unique | sort | join(', '))
        ~ '; models: ' ~ (models | unique | sort | join(', '))
    ) }}
{%- endmacro %}
