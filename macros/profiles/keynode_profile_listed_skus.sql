{#- Two CTEs of a data-quality profile that checks coverage of the listed SKUs: `listed_skus` (sku_id of
    every SKU whose newest catalogue snapshot is listed, stg_catalog__skus) and `listed_sku_count`
    (one row, listed_skus). -#}
{% macro keynode_profile_listed_skus() -%}
listed_skus as (

    select sku_id
    from {{ ref('stg_catalog__skus') }}
    where is_listed

),

listed_sku_count as (

    select count(*) as listed_skus
    from listed_skus

)
{%- endmacro %}
