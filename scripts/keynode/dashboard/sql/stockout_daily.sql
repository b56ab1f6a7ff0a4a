-- Stock-outs and wasted exposure per day over all categories (fct_stockout_daily's total rows).
select
    date_day,
    active_sku_days,
    out_of_stock_sku_days,
    stockout_rate,
    lost_revenue_estimate,
    wasted_impressions,
    wasted_spend
from fct_stockout_daily
where grouping_level = 'total'
order by date_day
