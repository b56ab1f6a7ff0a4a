-- Marketing spend and impressions on out-of-stock SKUs per category and day.
select
    date_day,
    category,
    wasted_spend,
    wasted_impressions
from fct_stockout_daily
where grouping_level = 'category'
order by date_day, category
