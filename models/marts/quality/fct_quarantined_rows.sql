{#-
    Every raw row that failed validation, from every source, with the reason and the column that
    failed, the file and row it came from, and its raw values as JSON. Nothing that fails a check is
    dropped silently: it is here.
-#}
{%- set entities = keynode_raw_entities() %}

with

{% call(e) keynode_per_entity_union(entities) %}
            raw_file,
            raw_row_number,
            landed_date,
            quarantine_reason as reason_code,
            quarantine_column as failed_column,
            {{ keynode_json_object(e.columns) }} as raw_record
        from {{ ref(e.base) }}
        where quarantine_reason is not null
{% endcall %},

final as (

    select
        {{ dbt.concat(['entity', "':'", 'raw_file', "':'", dbt.cast('raw_row_number', dbt.type_string())]) }}
            as quarantined_row_key,
        *
    from unioned

)

select * from final
