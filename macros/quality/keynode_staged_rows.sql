{#- The body of a staging model: the valid first copies of a raw-zone entity (keynode_kept_copies) with
    the entity's columns (keynode_staged_columns, `replace` as there). -#}
{% macro keynode_staged_rows(entity, replace={}) -%}
with

checked as (

    {{ keynode_kept_copies(entity) }}

),

final as (

    select
        {{ keynode_staged_columns(entity, replace) }}
    from checked

)

select * from final
{%- endmacro %}
