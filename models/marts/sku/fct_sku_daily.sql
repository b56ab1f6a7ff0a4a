{#-
    One row per listed SKU and day of the data range: marketing, behaviour, net paid sales and
    end-of-day stock side by side, with the replenishment measures derived from them. Every metric is
    defined in _sku__docs.md. A source that reported nothing on a day (a marketing gap, no events, no
    inventory at all as in the UCI data) gives NULL, never zero, and so do the measures derived from it.
-#}
{%- set demand_window = var('keynode__sku_demand_window_days') %}
{%- set active_window = var('keynode__sku_active_window_days') %}
{%- set exposure_window = var('keynode__sku_exposure_window_days') %}
{%- set z = keynode_sku_service_level_z() %}

with

calendar as (

    select * from {{ ref('int_sku_calendar') }}

),

sales as (

    select * from {{ ref('int_sku_sales_daily') }}

),

exposure as (

    select * from {{ ref('int_sku_exposure_daily') }}

),

behaviour as (

    select * from {{ ref('int_sku_behaviour_daily') }}

),

inventory as (

    select * from {{ ref('int_sku_inventory_daily') }}

),

lead_times as (

    select * from {{ ref('int_sku_lead_times') }}

),

joined as (

    select
        calendar.date_day,
        calendar.sku_id,
        calendar.category,
        calendar.list_price,
        calendar.day_index,
        calendar.promo_key,
        coalesce(calendar.promo_traffic_multiplier, 1.0) as promo_traffic_multiplier,
        case when calendar.has_marketing_data then coalesce(exposure.impressions, 0) end as impressions,
        case when calendar.has_marketing_data then coalesce(exposure.clicks, 0) end as clicks,
        case when calendar.has_marketing_data then coalesce(exposure.spend, 0) end as spend,
        case when calendar.has_event_data then coalesce(behaviour.product_views, 0) end as product_views,
        case when calendar.has_event_data then coalesce(behaviour.add_to_carts, 0) end as add_to_carts,
        coalesce(sales.orders, 0) as orders,
        coalesce(sales.units, 0) as units,
        coalesce(sales.returned_units, 0) as returned_units,
        coalesce(sales.revenue, 0) as revenue,
        inventory.on_hand,
        inventory.reserved,
        inventory.available,
        inventory.inbound,
        inventory.available <= 0 as is_stockout,
        lead_times.lead_time_days,
        lead_times.lead_time_source
    from calendar
    left join sales
        on calendar.date_day = sales.sales_date and calendar.sku_id = sales.sku_id
    left join exposure
        on calendar.date_day = exposure.exposure_date and calendar.sku_id = exposure.sku_id
    left join behaviour
        on calendar.date_day = behaviour.event_date and calendar.sku_id = behaviour.sku_id
    left join inventory
        on calendar.date_day = inventory.snapshot_date and calendar.sku_id = inventory.sku_id
    left join lead_times
        on calendar.date_day = lead_times.date_day and calendar.sku_id = lead_times.sku_id

),

windowed as (

    select
        *,
        sum(units) over (
            partition by sku_id order by date_day rows between 6 preceding and current row
        ) as units_last_7_rows,
        sum(units) over (
            partition by sku_id order by date_day rows between 13 preceding and 7 preceding
        ) as units_prior_7_rows,
        sum(case when promo_key is not null then 1 else 0 end) over (
            partition by sku_id order by date_day rows between 6 preceding and current row
        ) as promotion_days_7d,
        sum(promo_traffic_multiplier) over (
            partition by sku_id order by date_day rows between 6 preceding and current row
        ) as multiplier_last_7_rows,
        sum(promo_traffic_multiplier) over (
            partition by sku_id order by date_day rows between 13 preceding and 7 preceding
        ) as multiplier_prior_7_rows,
        avg(cast(units as double)) over (
            partition by sku_id order by date_day
            rows between {{ demand_window - 1 }} preceding and current row
        ) as mean_daily_units,
        stddev_samp(cast(units as double)) over (
            partition by sku_id order by date_day
            rows between {{ demand_window - 1 }} preceding and current row
        ) as demand_stddev,
        avg(case when is_stockout = false then cast(greatest(units, 0) as double) end) over (
            partition by sku_id order by date_day
            rows between {{ active_window - 1 }} preceding and current row
        ) as in_stock_daily_demand,
        max(case when available > 0 or units > 0 then 1 else 0 end) over (
            partition by sku_id order by date_day
            rows between {{ active_window - 1 }} preceding and current row
        ) as had_stock_or_sales,
        count(impressions) over (
            partition by sku_id order by date_day
            rows between {{ exposure_window - 1 }} preceding and current row
        ) as exposure_days_reported,
        sum(impressions) over (
            partition by sku_id order by date_day
            rows between {{ exposure_window - 1 }} preceding and current row
        ) as exposure_impressions,
        count(impressions) over (
            partition by sku_id order by date_day
            rows between {{ 2 * exposure_window - 1 }} preceding and {{ exposure_window }} preceding
        ) as prior_exposure_days_reported,
        sum(impressions) over (
            partition by sku_id order by date_day
            rows between {{ 2 * exposure_window - 1 }} preceding and {{ exposure_window }} preceding
        ) as prior_exposure_impressions
    from joined

),

demand as (

    select
        *,
        case when day_index >= 7 then units_last_7_rows end as trailing_7d_units,
        case when day_index >= 14 then units_prior_7_rows end as previous_7d_units,
        case when day_index >= 14 then multiplier_last_7_rows / multiplier_prior_7_rows end
            as promotion_factor_7d,
        case
            when exposure_days_reported = {{ exposure_window }} then exposure_impressions
        end as trailing_exposure_impressions,
        case
            when prior_exposure_days_reported = {{ exposure_window }} then prior_exposure_impressions
        end as previous_exposure_impressions,
        greatest(mean_daily_units, 0) as avg_daily_demand,
        case when lead_time_days is not null then greatest(lead_time_days, 0) end as lead_time_days_floored
    from windowed

),

derived as (

    select
        *,
        case
            when previous_7d_units > 0
                then cast(trailing_7d_units - previous_7d_units as double) / previous_7d_units
        end as sales_growth_7d,
        case
            when previous_7d_units > 0
                then trailing_7d_units / (previous_7d_units * promotion_factor_7d) - 1
        end as promotion_adjusted_growth_7d,
        case
            when available is not null and avg_daily_demand > 0
                then greatest(available, 0) / avg_daily_demand
        end as days_of_cover,
        case
            when available is not null and greatest(units, 0) + greatest(available, 0) > 0
                then cast(greatest(units, 0) as double) / (greatest(units, 0) + greatest(available, 0))
        end as sell_through_rate,
        {{ z }} * demand_stddev * sqrt(lead_time_days_floored) as safety_stock,
        case
            when impressions is null then null
            when is_stockout then impressions
            when not is_stockout then 0
        end as wasted_impressions,
        case
            when spend is null then null
            when is_stockout then spend
            when not is_stockout then 0
        end as wasted_spend,
        case
            when is_stockout
                then greatest(coalesce(in_stock_daily_demand, avg_daily_demand) - greatest(units, 0), 0)
            when not is_stockout then 0
        end as lost_sales_units,
        case when is_stockout is not null then had_stock_or_sales = 1 end as is_active
    from demand

),

final as (

    select
        date_day,
        sku_id,
        category,
        promo_key,
        cast(promotion_days_7d as integer) as promotion_days_7d,
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,
        case when impressions > 0 then cast(clicks as double) / impressions end as ctr,
        cast(spend as double) as spend,
        cast(product_views as bigint) as product_views,
        cast(add_to_carts as bigint) as add_to_carts,
        cast(orders as bigint) as orders,
        cast(units as bigint) as units,
        cast(returned_units as bigint) as returned_units,
        cast(revenue as double) as revenue,
        cast(on_hand as bigint) as on_hand,
        cast(reserved as bigint) as reserved,
        cast(available as bigint) as available,
        cast(inbound as bigint) as inbound,
        cast(available + inbound as bigint) as inventory_position,
        is_stockout,
        is_active,
        cast(trailing_7d_units as bigint) as trailing_7d_units,
        cast(previous_7d_units as bigint) as previous_7d_units,
        sales_growth_7d,
        cast(promotion_factor_7d as double) as promotion_factor_7d,
        cast(promotion_adjusted_growth_7d as double) as promotion_adjusted_growth_7d,
        cast(avg_daily_demand as double) as avg_daily_demand,
        cast(demand_stddev as double) as demand_stddev,
        cast(days_of_cover as double) as days_of_cover,
        sell_through_rate,
        cast(lead_time_days as double) as lead_time_days,
        lead_time_source,
        cast(safety_stock as double) as safety_stock,
        cast(avg_daily_demand * lead_time_days_floored + safety_stock as double) as reorder_point,
        cast(trailing_exposure_impressions as bigint) as trailing_exposure_impressions,
        cast(previous_exposure_impressions as bigint) as previous_exposure_impressions,
        cast(wasted_impressions as bigint) as wasted_impressions,
        cast(wasted_spend as double) as wasted_spend,
        cast(lost_sales_units as double) as lost_sales_units,
        cast(lost_sales_units * list_price as double) as lost_revenue_estimate
    from derived

)

select * from final
