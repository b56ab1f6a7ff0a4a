{#-
    Conservation of raw rows, per entity: every landed row is exactly one of a staged valid row, a
    quarantined row or a counted duplicate. raw_rows is counted straight from the source files, the
    other three from the models that keep them, so `is_balanced` is a real check of the pipeline.
-#}
{%- set entities = keynode_raw_entities() %}

with

{% for e in entities %}
    {{ e.entity }} as (

        select
            '{{ e.source }}' as source_name,
            '{{ e.entity }}' as entity,
            (select count(*) from {{ source(e.source, e.entity) }}) as raw_rows,
            (select count(*) from {{ ref(e.staged) }}) as valid_rows,
            (
                select count(*) from {{ ref('fct_quarantined_rows') }}
                where entity = '{{ e.entity }}')
                as quarantined_rows,
            (
                select count(*) from {{ ref(e.base) }}
                where copy_rank > 1
            ) as duplicate_rows

    ),

{% endfor %}
unioned as (

    {% for e in entities %}
        select * from {{ e.entity }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        source_name,
        entity,
        raw_rows,
        valid_rows,
        quarantined_rows,
        duplicate_rows,
        raw_rows = valid_rows + quarantined_rows + duplicate_rows as is_balanced
    from unioned

)

select * from final
