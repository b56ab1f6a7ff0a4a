-- The funnels, with their first and last funnel day.
select
    funnel_key,
    min(funnel_date) as first_day,
    max(funnel_date) as last_day
from fct_node_funnel_daily
group by funnel_key
order by funnel_key
