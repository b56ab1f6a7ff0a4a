{#- The valid first copies of a raw-zone entity: its base model's rows with no quarantine reason and copy
    rank 1 (the body of a staging model's `checked` CTE). -#}
{% macro keynode_kept_copies(entity) -%}
    {%- set spec = keynode_raw_entities() | selectattr('entity', 'equalto', entity) | first -%}
    select * from {{ ref(spec.base) }}
    where quarantine_reason is null and copy_rank = 1
{%- endmacro %}
