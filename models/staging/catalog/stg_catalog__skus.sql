{#- The product catalogue: one row per SKU, from its newest valid snapshot. -#}
with

checked as (

    select * from {{ ref('base_catalog__skus') }}
    where quarantine_reason is null and copy_rank = 1

),

final as (

    select
        sku_id,
        product_name,
        category,
        brand,
        list_price,
        launched_date,
        is_listed,
        ingested_at,
        landed_date
    from checked

)

select * from final
