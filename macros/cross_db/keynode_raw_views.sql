{#-
    on-run-start (dbt_project.yml): (re)creates one view per raw-zone source table, in the sources'
    schema (`<target schema>_raw`), over the table's folder of the Parquet raw zone (docs/raw_zone.md),
    so `source()` is an ordinary relation on every engine. Each view has the landed columns (files
    of different schema versions unioned by column name, a missing column read as NULL), the landing
    date partition `dt`, and the row's origin: `filename` (the file's path) and `file_row_number`
    (0-based row number within that file), identical on both engines, which quarantine rows report.
    Raw root: var keynode__raw_path, else env var KEYNODE_RAW_PATH, else data/raw. Renders to nothing.
-#}
{% macro keynode_raw_views() -%}
    {%- if execute -%}
        {%- set raw = var('keynode__raw_path', env_var('KEYNODE_RAW_PATH', 'data/raw')) | string -%}
        {%- set raw = raw.rstrip('/') -%}
        {%- set created = [] -%}
        {%- for src in graph.sources.values() | sort(attribute='unique_id')
            if src.package_name == project_name -%}
            {%- set view = api.Relation.create(
                database=src.database, schema=src.schema, identifier=src.identifier, type='view'
            ) -%}
            {%- if view.schema not in created -%}
                {%- do adapter.create_schema(view.without_identifier()) -%}
                {%- do created.append(view.schema) -%}
            {%- endif -%}
            {%- do adapter.dispatch('keynode_raw_view', 'keynode')(view, raw ~ '/' ~ src.name) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
