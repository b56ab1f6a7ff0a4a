{#- Valid end-of-day stock, one row per (snapshot_date, sku_id, warehouse_id). -#}
with

checked as (

    select * from {{ ref('base_inventory__snapshots') }}
    where quarantine_reason is null and copy_rank = 1

),

final as (

    select
        snapshot_date,
        sku_id,
        warehouse_id,
        on_hand,
        reserved,
        on_hand - reserved as available,
        inbound,
        ingested_at,
        landed_date
    from checked

)

select * from final
