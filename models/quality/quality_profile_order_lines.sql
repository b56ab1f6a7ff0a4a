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

event_days as (

    select max(event_date) as last_event_day
    from {{ ref('stg_events__events') }}

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

bounds as (

    select
        min(source_days.date_day) as first_day,
        greatest(max(source_days.date_day), max(event_days.last_event_day)) as last_day
    from source_days
    cross join event_days

),

days as (

    {{ keynode_day_spine('bounds', 'bounds.first_day', 'bounds.last_day') }}

),

final as (

    select
        days.date_day,
        coalesce(lines_daily.line_rows, 0) as line_rows,
        coalesce(orders_daily.orders, 0) as orders,
        coalesce(lines_daily.orders_with_lines, 0) as orders_with_lines,
        coalesce(orders_daily.orders, 0) - coalesce(lines_daily.orders_with_lines, 0) as orders_without_lines,
        coalesce(orphans_daily.orphan_lines, 0) as orphan_lines,
        coalesce(lines_daily.rows_with_missing_values, 0) as rows_with_missing_values,
        coalesce(lines_daily.invalid_rows, 0) as invalid_rows,
        coalesce(lines_daily.late_landed_rows, 0) as late_landed_rows,
        {{ keynode_share('lines_daily.late_landed_rows', 'lines_daily.line_rows') }} as late_landing_share,
        {{ deadline_hours }} as deadline_hours,
        cast({{ var('keynode__quality_late_landing_share_max') }} as double) as late_landing_share_max
    from days
    left join lines_daily
        on days.date_day = lines_daily.date_day
    left join orphans_daily
        on days.date_day = orphans_daily.date_day
    left join orders_daily
        on days.date_day = orders_daily.date_day

)

select * from final
