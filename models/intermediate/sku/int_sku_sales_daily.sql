{#-
    Net paid sales per SKU and day. A line counts when its order's newest version has status `paid`
    (so an order later cancelled or refunded counts nowhere), on the UTC date the order was paid.
    Returns (negative quantities, loaded real data only) subtract on the day they were booked.
-#}
with

kept_orders as (

    select
        order_id,
        cast(coalesce(paid_at, created_at) as date) as sales_date
    from {{ ref('stg_orders__orders') }}
    where is_current_version and status = 'paid'

),

order_lines as (

    select
        order_id,
        sku_id,
        quantity,
        line_amount
    from {{ ref('stg_orders__order_lines') }}

),

kept_lines as (

    select
        kept_orders.sales_date,
        order_lines.order_id,
        order_lines.sku_id,
        order_lines.quantity,
        order_lines.line_amount
    from order_lines
    inner join kept_orders
        on order_lines.order_id = kept_orders.order_id

),

final as (

    select
        sales_date,
        sku_id,
        count(distinct case when quantity > 0 then order_id end) as orders,
        sum(quantity) as units,
        sum(case when quantity < 0 then -quantity else 0 end) as returned_units,
        sum(line_amount) as revenue
    from kept_lines
    group by sales_date, sku_id

)

select * from final
