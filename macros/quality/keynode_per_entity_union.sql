{#-
    One CTE per raw-zone entity, each tagged with its source_name and entity, then `unioned`: their rows
    stacked (keynode_union_ctes). The caller block gives the rest of each CTE's select (columns, from,
    where) for the entity `e` it is passed:

        with
        {% call(e) keynode_per_entity_union(keynode_raw_entities()) %}
            count(*) as valid_rows
        from {{ ref(e.staged) }}
        {% endcall %},
        final as (select * from unioned)
-#}
{% macro keynode_per_entity_union(entities) -%}
    {%- for e in entities %}
    {{ e.entity }} as (

        select
            '{{ e.source }}' as source_name,
            '{{ e.entity }}' as entity,
            {{ caller(e) }}

    ),
    {% endfor %}
    unioned as (

        {{ keynode_union_ctes(entities | map(attribute='entity') | list) }}

    )
{%- endmacro %}
