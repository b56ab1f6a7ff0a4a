{#-
    For an incremental base model that appends new raw files: the raw files (`raw_file` values, as the
    raw view names them) already loaded into `this` with a landing date on or after `since` (a SQL date
    expression, e.g. keynode_lookback_start_date()), resolved when the model is compiled and returned as
    a list of strings, so the model can exclude them by literal and the engine skips those files
    unopened. An empty `this` (or parsing) gives an empty list.
-#}
{% macro keynode_loaded_raw_files(since) -%}
    {%- set files = [] -%}
    {%- if execute -%}
        {%- set result = run_query(
            'select distinct raw_file from ' ~ this ~ ' where landed_date >= ' ~ since ~ ' order by raw_file'
        ) -%}
        {%- for value in result.columns[0].values() -%}
            {%- do files.append(value | string) -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(files) -}}
{%- endmacro %}
