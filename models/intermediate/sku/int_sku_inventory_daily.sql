{#- End-of-day stock per SKU and day, summed over the warehouses that reported it. -#}
with

snapshots as (

    select * from {{ ref('stg_inventory__snapshots') }}

),

final as (

    select
        snapshot_date,
        sku_id,
        count(*) as warehouses_reported,
        sum(on_hand) as on_hand,
        sum(reserved) as reserved,
        sum(available) as available,
        sum(inbound) as inbound
    from snapshots
    group by snapshot_date, sku_id

)

select * from final
