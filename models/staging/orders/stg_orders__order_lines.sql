{#- Valid order lines, one row per (order_id, line_number). -#}
with

checked as (

    select * from {{ ref('base_orders__order_lines') }}
    where quarantine_reason is null and copy_rank = 1

),

final as (

    select
        order_id,
        line_number,
        sku_id,
        quantity,
        unit_price,
        coalesce(discount_amount, 0) as discount_amount,
        quantity * unit_price - coalesce(discount_amount, 0) as line_amount,
        quantity < 0 as is_return,
        ingested_at,
        landed_date
    from checked

)

select * from final
