{#-
    Valid replenishment-order change records, one row per (po_id, status). `is_current_version`
    marks the newest record of each PO (the received record once it has arrived).
-#}
with

checked as (

    select * from {{ ref('base_inventory__replenishment_orders') }}
    where quarantine_reason is null and copy_rank = 1

),

final as (

    select
        po_id,
        sku_id,
        warehouse_id,
        status,
        ordered_date,
        expected_date,
        received_date,
        quantity_ordered,
        quantity_received,
        updated_at,
        row_number() over (partition by po_id order by updated_at desc, ingested_at desc) = 1
            as is_current_version,
        ingested_at,
        landed_date
    from checked

)

select * from final
