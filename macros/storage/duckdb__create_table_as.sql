{#-
    Tables on DuckDB (overrides dbt-duckdb's duckdb__create_table_as) with a compression method per
    column, from the model config `keynode_column_compression` ({column: method}). Every other table
    (no such config, temporary tables, enforced contracts, DuckLake partitioning or sorting, Python
    models) is created by dbt-duckdb's own version, unchanged.

    Why: DuckDB picks each column's compression by trying the candidates on the data. For strings that
    are nearly all distinct (event ids, hashes, raw text) it picks DICT_FSST, and building that costs
    about three times writing the column: at 9.25M events, event_id takes 2.0 s to write compressed and
    0.7 s uncompressed (twice the bytes). The model names such columns and the method it measured
    ('uncompressed' or 'zstd'); the table is then created from the query's own column types
    (DESCRIBE, so nothing is restated) with `using compression`, and the rows inserted. Incremental runs
    insert into that table and keep its methods. Spark ignores the config.
-#}
{% macro duckdb__create_table_as(
    temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none
) -%}
{%- set column_compression = config.get('keynode_column_compression') or {} -%}
{%- set contract = config.get('contract') -%}
{%- if language != 'sql' or temporary or not column_compression or (contract and contract.enforced)
    or partitioned_by or sorted_by -%}
    {{- return(dbt.duckdb__create_table_as(
        temporary, relation, compiled_code, language, partitioned_by=partitioned_by, sorted_by=sorted_by
    )) -}}
{%- endif -%}
{%- set allowed_methods = ['uncompressed', 'zstd'] -%}
{%- set described = run_query('describe select * from (' ~ compiled_code ~ ') as model_subq limit 0') -%}
{%- set names = described.columns['column_name'].values() | list -%}
{%- set types = described.columns['column_type'].values() | list -%}
{%- for column, method in column_compression.items() -%}
    {%- if column not in names -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ ': keynode_column_compression names the column ' ~ column
            ~ ', which the model does not return (it returns: ' ~ names | join(', ') ~ ')'
        ) }}
    {%- endif -%}
    {%- if method not in allowed_methods -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ ': keynode_column_compression gives the column ' ~ column ~ ' the method '
            ~ method ~ '; allowed: ' ~ allowed_methods | join(', ')
        ) }}
    {%- endif -%}
{%- endfor -%}
{%- set sql_header = config.get('sql_header', none) -%}
{{ sql_header if sql_header is not none }}

create table {{ relation }} (
    {%- for name in names %}
    {{ adapter.quote(name) }} {{ types[loop.index0] }}
    {%- if name in column_compression %} using compression {{ column_compression[name] }}{% endif %}
    {{- ',' if not loop.last }}
    {%- endfor %}
);

insert into {{ relation }} (
    select * from (
        {{ compiled_code }}
    ) as model_subq
);
{%- endmacro %}
