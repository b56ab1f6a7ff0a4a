{#-
    The product catalogue in force on each day (stg_catalog__skus: each SKU's newest snapshot, counted
    from the day it landed), from the first landing day to the later of the last one and the last
    event day. `keynode check` (suite sku_catalog) checks that a catalogue has landed, that it is at
    most max_age_days old (a warning), and that its SKUs carry their attributes.
-#}
with

skus as (

    select
        sku_id,
        product_name,
        category,
        list_price,
        is_listed,
        landed_date
    from {{ ref('stg_catalog__skus') }}

),

days as (

    {{ keynode_profile_days('skus', 'landed_date') }}

),

final as (

    select
        days.date_day,
        count(skus.sku_id) as skus_in_force,
        count_if(skus.is_listed) as listed_skus,
        cast(coalesce({{ dbt.datediff('max(skus.landed_date)', 'days.date_day', 'day') }}, 0) as bigint)
            as catalog_age_days,
        cast({{ var('keynode__quality_catalog_max_age_days') }} as integer) as max_age_days,
        count_if(
            skus.product_name is null
            or skus.category is null
            or skus.list_price is null
            or skus.is_listed is null
        ) as rows_with_missing_values
    from days
    left join skus
        on days.date_day >= skus.landed_date
    group by days.date_day

)

select * from final
