{#-
    Custom incremental strategy `keynode_replace_tail` (dbt calls get_incremental_<strategy>_sql):
    per value of `unique_key` (one column, e.g. device_id) the run recomputes a *tail* of that key's
    rows - every row from some point on, ordered by config `replace_tail_from` (e.g. session_start_ts).
    Deletes the stored rows of each recomputed key from the earliest recomputed `replace_tail_from` on,
    then inserts the recomputed rows. Rows before that point are kept. ANSI SQL (a correlated EXISTS).
-#}
{% macro get_incremental_keynode_replace_tail_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- set from_column = config.get('replace_tail_from') -%}
    {%- if key is not string or not from_column -%}
        {{ exceptions.raise_compiler_error(
            'keynode_replace_tail needs one unique_key column and config replace_tail_from (model '
            ~ this ~ ')'
        ) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} as stored
    where exists (
        select 1
        from (
            select
                {{ key }},
                min({{ from_column }}) as replace_from
            from {{ source }}
            group by {{ key }}
        ) as recomputed
        where
            recomputed.{{ key }} = stored.{{ key }}
            and stored.{{ from_column }} >= recomputed.replace_from
    );

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
{%- endmacro %}
