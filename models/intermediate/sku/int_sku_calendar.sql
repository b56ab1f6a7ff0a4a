{#-
    The SKU-day spine: every listed SKU on every day from the first to the last business date seen in
    orders, marketing exposure or inventory snapshots, with the promotion running that day (seed
    promotion_calendar) and flags telling whether each optional source reported anything at all on
    that day (so a missing day reads as unknown, not as zero).
-#}
with

skus as (

    select
        sku_id,
        category,
        list_price,
        launched_date
    from {{ ref('stg_catalog__skus') }}
    where is_listed

),

order_dates as (

    select distinct cast(created_at as date) as date_day
    from {{ ref('stg_orders__orders') }}

),

exposure_dates as (

    select distinct exposure_date as date_day
    from {{ ref('stg_marketing__exposures') }}

),

snapshot_dates as (

    select distinct snapshot_date as date_day
    from {{ ref('stg_inventory__snapshots') }}

),

promotions as (

    select
        promo_key,
        start_date,
        end_date,
        expected_traffic_multiplier
    from {{ ref('promotion_calendar') }}

),

event_dates as (

    select distinct event_date as date_day
    from {{ ref('int_events_stitched') }}

),

source_dates as (

    select date_day from order_dates
    union all
    select date_day from exposure_dates
    union all
    select date_day from snapshot_dates

),

date_range as (

    select
        min(date_day) as first_date,
        max(date_day) as last_date
    from source_dates

),

day_offsets as (

    select generated_number - 1 as day_offset
    from ({{ dbt.generate_series(var('keynode__sku_calendar_max_days')) }}) as series

),

calendar_days as (

    select
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'date_range.first_date') }} as date) as date_day,
        cast(day_offsets.day_offset + 1 as bigint) as day_index
    from date_range
    cross join day_offsets
    where day_offsets.day_offset <= {{ dbt.datediff('date_range.first_date', 'date_range.last_date', 'day') }}

),

promotion_days as (

    select
        calendar_days.date_day,
        max(promotions.promo_key) as promo_key,
        max(promotions.expected_traffic_multiplier) as promo_traffic_multiplier
    from calendar_days
    inner join promotions
        on calendar_days.date_day between promotions.start_date and promotions.end_date
    group by calendar_days.date_day

),

days_with_coverage as (

    select
        calendar_days.date_day,
        calendar_days.day_index,
        promotion_days.promo_key,
        coalesce(promotion_days.promo_traffic_multiplier, 1.0) as promo_traffic_multiplier,
        exposure_dates.date_day is not null as has_marketing_data,
        event_dates.date_day is not null as has_event_data,
        snapshot_dates.date_day is not null as has_inventory_data
    from calendar_days
    left join promotion_days
        on calendar_days.date_day = promotion_days.date_day
    left join exposure_dates
        on calendar_days.date_day = exposure_dates.date_day
    left join event_dates
        on calendar_days.date_day = event_dates.date_day
    left join snapshot_dates
        on calendar_days.date_day = snapshot_dates.date_day

),

final as (

    select
        days_with_coverage.date_day,
        skus.sku_id,
        skus.category,
        skus.list_price,
        skus.launched_date,
        days_with_coverage.day_index,
        days_with_coverage.promo_key,
        days_with_coverage.promo_traffic_multiplier,
        days_with_coverage.has_marketing_data,
        days_with_coverage.has_event_data,
        days_with_coverage.has_inventory_data
    from days_with_coverage
    cross join skus

)

select * from final
