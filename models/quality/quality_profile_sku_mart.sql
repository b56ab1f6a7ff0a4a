{#-
    The SKU-day mart (fct_sku_daily) per day, from its first to the later of its last day and the last
    event day. `keynode check` (suite sku_mart) checks that every listed SKU has a row each day. Its
    row-level invariants are dbt tests of the mart.
-#}
with

sku_days as (

    select
        date_day,
        sku_id
    from {{ ref('fct_sku_daily') }}

),

{{ keynode_profile_listed_skus() }},

daily as (

    select
        sku_days.date_day,
        count(*) as sku_rows,
        -- (date_day, sku_id) is unique (dbt test), so rows count distinct SKUs
        count(listed_skus.sku_id) as listed_skus_present
    from sku_days
    left join listed_skus
        on sku_days.sku_id = listed_skus.sku_id
    group by sku_days.date_day

),

days as (

    {{ keynode_profile_days('daily') }}

),

final as (

    select
        days.date_day,
        coalesce(daily.sku_rows, 0) as sku_rows,
        listed_sku_count.listed_skus,
        listed_sku_count.listed_skus - coalesce(daily.listed_skus_present, 0) as missing_listed_skus
    from days
    cross join listed_sku_count
    left join daily
        on days.date_day = daily.date_day

)

select * from final
