{#-
    Order lines (stg_orders__order_lines) per order creation day (the day of the order's first
    version), from the first such day to the later of the last one and the last event day. A line
    without an order header (an orphan) counts on its landing day. `keynode check` (suite order_lines)
    checks that every order has lines, that no line is orphaned, the share landed after the freshness
    deadline, and the rules below.
-#}
{%- set deadline_hours = keynode_freshness_deadline_hours('order_lines') %}

with

order_lines as (

    select
        order_id,
        quantity,
        unit_price,
        discount_amount,
        ingested_at,
        landed_date
    from {{ ref('stg_orders__order_lines') }}

),

order_versions as (

    select
        order_id,
        created_at
    from {{ ref('stg_orders__orders') }}

),

order_dates as (

    select
        order_id,
        min(cast(created_at as date)) as order_date
    from order_versions
    group by order_id

),

lines_with_order_date as (

    select
        order_lines.*,
        order_dates.order_date
    from order_lines
    left join order_dates
        on order_lines.order_id = order_dates.order_id

),

lines_daily as (

    select
        order_date as date_day,
        count(*) as line_rows,
        count(distinct order_id) as orders_with_lines,
        count_if(quantity is null or unit_price is null) as rows_with_missing_values,
        count_if(quantity > 0 and discount_amount > quantity * unit_price) as invalid_rows,
        count_if(ingested_at > {{ dbt.dateadd('hour', deadline_hours, 'order_date') }}) as late_landed_rows
    from lines_with_order_date
    where order_date is not null
    group by order_date

),

orphans_daily as (

    select
        landed_date as date_day,
        count(*) as orphan_lines
    from lines_with_order_date
    where order_date is null
    group by landed_date

),

orders_daily as (

    select
        order_date as date_day,
        count(*) as orders
    from order_dates
    group by order_date

),

source_days as (

    select date_day from lines_daily
    union all
    select date_day from orphans_daily
    union all
    select date_day from orders_daily

),

days as (

    {{ keynode_profile_days('source_days') }}

),

final as (

    select
        days.date_day,
        coalesce(lines_daily.line_rows, 0) as line_rows,
        coalesce(orders_daily.orders, 0) as orders,
        coalesce(lines_daily.orders_with_lines, 0) as orders_with_lines,
        coalesce(orders_daily.orders, 0) - coalesce(lines_daily.orders_with_lines, 0) as orders_without_lines,
        coalesce(orphans_daily.orphan_lines, 0) as orphan_lines,
        {{ keynode_zero_filled('lines_daily', [
            'rows_with_missing_values', 'invalid_rows', 'late_landed_rows'
        ]) }},
        {{ keynode_late_landing_columns(
            'lines_daily.late_landed_rows', 'lines_daily.line_rows', deadline_hours
        ) }}
    from days
    left join lines_daily
        on days.date_day = lines_daily.date_day
    left join orphans_daily
        on days.date_day = orphans_daily.date_day
    left join orders_daily
        on days.date_day = orders_daily.date_day

)

select * from final
