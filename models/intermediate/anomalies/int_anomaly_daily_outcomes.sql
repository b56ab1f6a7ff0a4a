{#-
    The business outcome per UTC day: paid orders (orders whose current version was paid, by the day
    of paid_at) and their GMV (sum of the orders' line amounts). The correlation rung of the severity
    ladder and `keynode prune-metrics` correlate node metrics with these.
-#}
with

orders as (

    select
        order_id,
        cast(paid_at as date) as paid_date
    from {{ ref('stg_orders__orders') }}
    where is_current_version and was_paid and paid_at is not null

),

lines as (

    select
        order_id,
        sum(line_amount) as order_amount
    from {{ ref('stg_orders__order_lines') }}
    group by order_id

),

final as (

    select
        cast(orders.paid_date as date) as outcome_date,
        cast(count(*) as bigint) as paid_orders,
        cast(coalesce(sum(lines.order_amount), 0) as double) as gmv
    from orders
    left join lines on orders.order_id = lines.order_id
    group by orders.paid_date

)

select * from final
