{#-
    Node factor impact: how much of the product-detail node's lost add-to-cart conversions slow pages
    explain. One row per day of the views plus one `overall` row (doc factor_impact_weight).
    A view is slow when page_load_ms > var `keynode__slow_page_threshold_ms` (3000); it converts when
    the same user_key adds the same SKU within var `keynode__detail_to_cart_window_minutes` (30): both
    decided per view in int_behaviour_product_views, which a daily run updates for the users new events
    touch; this model counts its rows.
-#}
{%- set threshold_ms = var('keynode__slow_page_threshold_ms') | int -%}
{%- set window_minutes = var('keynode__detail_to_cart_window_minutes') | int -%}

with

-- the views (int_behaviour_product_views: one row per product_view, incremental) per day, load class
-- and conversion: the periods below repeat a few rows per day instead of every view
classified_views as (

    select
        view_date as event_date,
        load_class,
        case when is_converted then 1 else 0 end as is_converted,
        count(*) as views
    from {{ ref('int_behaviour_product_views') }}
    group by view_date, load_class, is_converted

),

periods as (

    {{ keynode_day_and_overall_periods(
        'classified_views', 'event_date', ['load_class', 'is_converted', 'views']
    ) }}

),

counts as (

    select
        period_type,
        period_start,
        period_end,
        sum(views) as views,
        sum(case when load_class = 'slow' then views else 0 end) as views_slow,
        sum(case when load_class = 'fast' then views else 0 end) as views_fast,
        sum(case when load_class = 'unknown' then views else 0 end) as views_unknown_load,
        sum(case when load_class = 'slow' then is_converted * views else 0 end) as conversions_slow,
        sum(case when load_class = 'fast' then is_converted * views else 0 end) as conversions_fast
    from periods
    group by period_type, period_start, period_end

),

rates as (

    select
        *,
        case when views_slow > 0 then cast(conversions_slow as double) / views_slow end
            as conversion_rate_slow,
        case when views_fast > 0 then cast(conversions_fast as double) / views_fast end
            as conversion_rate_fast,
        case
            when views_slow + views_fast > 0
                then cast(conversions_slow + conversions_fast as double) / (views_slow + views_fast)
        end as conversion_rate_measured,
        (views_slow - conversions_slow) + (views_fast - conversions_fast) as lost_conversions
    from counts

),

impact as (

    select
        *,
        conversion_rate_fast - conversion_rate_slow as conversion_rate_difference,
        views_slow * (conversion_rate_fast - conversion_rate_slow) as excess_lost_conversions,
        case
            when
                views_slow > 0 and views_fast > 0
                and conversion_rate_measured > 0 and conversion_rate_measured < 1
                then
                    (conversion_rate_fast - conversion_rate_slow)
                    / sqrt(
                        conversion_rate_measured * (1 - conversion_rate_measured)
                        * (1.0 / views_slow + 1.0 / views_fast)
                    )
        end as conversion_rate_difference_z
    from rates

),

weighted as (

    select
        *,
        'purchase' as funnel_key,
        'product_detail' as node_key,
        'add_to_cart' as converting_node_key,
        'slow_page_load' as factor_key,
        {{ threshold_ms }} as slow_threshold_ms,
        {{ window_minutes }} as conversion_window_minutes,
        case when conversion_rate_fast > 0 then conversion_rate_slow / conversion_rate_fast end
            as conversion_rate_ratio,
        case when lost_conversions > 0 then excess_lost_conversions / lost_conversions end as impact_weight
    from impact

),

final as (

    select {{ keynode_contract_columns() }}
    from weighted

)

select * from final
