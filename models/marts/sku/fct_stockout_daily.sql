{#-
    Stock-outs per day, per category and over all categories (grouping_level 'total', category
    '__all__'): active SKU-days, how many were out of stock, the stock-out rate, the estimated lost
    sales and the marketing spent on out-of-stock SKUs. Inventory-derived measures are NULL on days no
    SKU of the group had inventory data.
-#}
{#- the two grouping levels, aggregated alike: per category, and over all categories -#}
{%- set groupings = [
    {'cte': 'by_category', 'level': 'category', 'category': 'category', 'group_by': 'date_day, category'},
    {'cte': 'all_categories', 'level': 'total', 'category': "'__all__'", 'group_by': 'date_day'},
] %}

with

sku_days as (

    select
        date_day,
        coalesce(category, 'unknown') as category,
        is_stockout,
        is_active,
        lost_sales_units,
        lost_revenue_estimate,
        wasted_impressions,
        wasted_spend
    from {{ ref('fct_sku_daily') }}

),

{% for grouping in groupings %}
    {{ grouping.cte }} as (

        select
            date_day,
            '{{ grouping.level }}' as grouping_level,
            {{ grouping.category }} as category,
            count(*) as listed_sku_days,
            count(is_stockout) as inventory_known_sku_days,
            sum(case when is_active then 1 else 0 end) as active_sku_days,
            sum(case when is_active and is_stockout then 1 else 0 end) as out_of_stock_sku_days,
            sum(case when is_active and is_stockout then lost_sales_units end) as lost_sales_units,
            sum(case when is_active and is_stockout then lost_revenue_estimate end) as lost_revenue_estimate,
            sum(wasted_impressions) as wasted_impressions,
            sum(wasted_spend) as wasted_spend
        from sku_days
        group by {{ grouping.group_by }}

    ),

{% endfor %}
unioned as (

    {{ keynode_union_ctes(groupings | map(attribute='cte') | list) }}

),

final as (

    select
        date_day,
        grouping_level,
        category,
        cast(listed_sku_days as bigint) as listed_sku_days,
        cast(inventory_known_sku_days as bigint) as inventory_known_sku_days,
        cast(case when inventory_known_sku_days > 0 then active_sku_days end as bigint) as active_sku_days,
        cast(case when inventory_known_sku_days > 0 then out_of_stock_sku_days end as bigint)
            as out_of_stock_sku_days,
        case
            when inventory_known_sku_days > 0 and active_sku_days > 0
                then cast(out_of_stock_sku_days as double) / active_sku_days
        end as stockout_rate,
        cast(case when inventory_known_sku_days > 0 then coalesce(lost_sales_units, 0) end as double)
            as lost_sales_units,
        cast(case when inventory_known_sku_days > 0 then coalesce(lost_revenue_estimate, 0) end as double)
            as lost_revenue_estimate,
        cast(wasted_impressions as bigint) as wasted_impressions,
        cast(wasted_spend as double) as wasted_spend
    from unioned

)

select * from final
