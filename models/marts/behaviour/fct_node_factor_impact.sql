{#-
    Node factor impact: how much of the product-detail node's lost add-to-cart conversions slow pages
    explain. One row per day of the views plus one `overall` row (doc factor_impact_weight).
    A view is slow when page_load_ms > var `keynode__slow_page_threshold_ms` (3000); it converts when
    the same user_key adds the same SKU within var `keynode__detail_to_cart_window_minutes` (30).
-#}
{%- set threshold_ms = var('keynode__slow_page_threshold_ms') | int -%}
{%- set window_minutes = var('keynode__detail_to_cart_window_minutes') | int -%}

with

-- inlined (keynode_inlined_cte): views and cart_adds each read their rows of the relation; materialised,
-- every event (7 columns) is written to memory first (30M events, the query alone, 3 runs: 3.0-3.2 s and
-- 2.7 GB peak RSS materialised, 2.7-2.9 s and 2.1 GB inlined)
events as {{ keynode_inlined_cte() }} (

    select
        event_id,
        user_key,
        event_name,
        event_ts,
        event_date,
        sku_id,
        page_load_ms
    from {{ ref('int_events_stitched') }}

),

views as (

    select
        event_id,
        user_key,
        sku_id,
        event_ts,
        event_date,
        case
            when page_load_ms is null then 'unknown'
            when page_load_ms > {{ threshold_ms }} then 'slow'
            else 'fast'
        end as load_class
    from events
    where event_name = 'product_view'

),

cart_adds as (

    select
        user_key,
        sku_id,
        event_ts
    from events
    where event_name = 'add_to_cart' and sku_id is not null

),

view_conversions as (

    select
        views.event_id,
        max(case when cart_adds.user_key is not null then 1 else 0 end) as is_converted
    from views
    left join cart_adds
        on
            views.user_key = cart_adds.user_key
            and views.sku_id = cart_adds.sku_id
            and views.event_ts <= cart_adds.event_ts
            and views.event_ts + interval {{ window_minutes }} minute >= cart_adds.event_ts
    group by views.event_id

),

classified_views as (

    select
        views.event_date,
        views.load_class,
        view_conversions.is_converted
    from views
    inner join view_conversions
        on views.event_id = view_conversions.event_id

),

periods as (

    {{ keynode_day_and_overall_periods('classified_views', 'event_date', ['load_class', 'is_converted']) }}

),

counts as (

    select
        period_type,
        period_start,
        period_end,
        count(*) as views,
        sum(case when load_class = 'slow' then 1 else 0 end) as views_slow,
        sum(case when load_class = 'fast' then 1 else 0 end) as views_fast,
        sum(case when load_class = 'unknown' then 1 else 0 end) as views_unknown_load,
        sum(case when load_class = 'slow' then is_converted else 0 end) as conversions_slow,
        sum(case when load_class = 'fast' then is_converted else 0 end) as conversions_fast
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
