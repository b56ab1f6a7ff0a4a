{#-
    Overrides dbt's get_where_subquery (the relation a data test reads when it has a `where` config) to
    give the large incremental tables a "recent rows" test window. `where: __keynode_recent_rows__`
    (set for the intermediate folders in dbt_project.yml) keeps the rows whose landing column - the
    first of effective_landed_date, processed_landed_date, landed_date the tested table has - is within
    var `keynode__lookback_days` of its newest value (what a daily run may have rewritten), so the daily
    build tests what it changed, not all history. A table without such a column, `--full-refresh` or var
    `keynode__test_full_history: true` (CI, the weekly audit) tests the whole table. Any other `where`
    is applied as dbt does.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where == '__keynode_recent_rows__' -%}
        {#- a namespace: a plain `set` inside the loop would not be seen after it -#}
        {%- set recent = namespace(column=none) -%}
        {%- if execute and not (var('keynode__test_full_history', false) or flags.FULL_REFRESH) -%}
            {#- the tested model's columns as its YAML lists them (every column is documented, a test
                enforces it): no query per test; the database's list when the node is not in the graph -#}
            {%- set attached = graph.nodes.get(model.get('attached_node') or '') -%}
            {%- if attached and attached.columns -%}
                {%- set names = attached.columns.keys() | list -%}
            {%- else -%}
                {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
            {%- endif -%}
            {%- for column in ['effective_landed_date', 'processed_landed_date', 'landed_date'] -%}
                {%- if column in names and recent.column is none -%}
                    {%- set recent.column = column -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
        {%- set where = '' -%}
        {%- if recent.column is not none -%}
            {%- set newest = 'max(' ~ recent.column ~ ')' -%}
            {%- set where -%}
                {{ recent.column }} >= (
                    select {{ dbt.dateadd('day', -1 * var('keynode__lookback_days'), newest) }}
                    from {{ relation }}
                )
            {%- endset -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
