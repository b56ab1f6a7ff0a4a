{#-
    Creates (or replaces) `view` over one entity folder of the Parquet raw zone (`folder` holds
    dt=YYYY-MM-DD/*.parquet). Called by keynode_raw_views for each source table. Columns: the landed
    columns (unioned by name), dt, filename, file_row_number (0-based, per file).
-#}
{% macro keynode_raw_view(view, folder) -%}
    {{ return(adapter.dispatch('keynode_raw_view', 'keynode')(view, folder)) }}
{%- endmacro %}

{#- DuckDB: read_parquet over the folder's files. A folder with no file (a partial raw zone, e.g.
    one loaded from a real dataset that has only orders) gets no view: only the models that read it
    fail, naming the missing view, while the rest of the project builds. -#}
{% macro default__keynode_raw_view(view, folder) -%}
    {%- set files = folder ~ '/*/*.parquet' -%}
    {%- set found = run_query("select count(*) from glob('" ~ files ~ "')").columns[0].values()[0] -%}
    {%- if found > 0 -%}
        {%- call statement('keynode_raw_view') -%}
            create or replace view {{ view }} as
            select * from read_parquet(
                '{{ files }}',
                hive_partitioning = true,
                filename = true,
                file_row_number = true,
                union_by_name = true
            )
        {%- endcall -%}
    {%- else -%}
        {%- do log('keynode: no Parquet file in ' ~ folder ~ ': no view ' ~ view, info=true) -%}
        {%- call statement('keynode_raw_view_drop') -%}
            drop view if exists {{ view }}
        {%- endcall -%}
    {%- endif -%}
    {#- hooks run in the master connection's open transaction: commit, or the view is rolled back -#}
    {%- do adapter.commit() -%}
{%- endmacro %}

{#- Spark: the folder read as a Parquet data source (the dt=... folders become the partition column
    dt; files of different schemas are merged by name when spark.sql.parquet.mergeSchema is true, as
    profiles.yml sets). The hidden _metadata column gives the file (a URI: the local `file:` scheme
    is stripped, so the path reads as DuckDB's) and the row's 0-based index within its file. -#}
{% macro spark__keynode_raw_view(view, folder) -%}
    {%- call statement('keynode_raw_view') -%}
        create or replace view {{ view }} as
        select
            *,
            regexp_replace(_metadata.file_path, '^file:(//)?', '') as filename,
            _metadata.row_index as file_row_number
        from parquet.`{{ folder }}`
    {%- endcall -%}
{%- endmacro %}
