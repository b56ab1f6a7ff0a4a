-- The $limit active SKUs with the fewest days of cover on the newest SKU day with inventory data, and
-- whether a replenishment rule fires for them that day.
with

newest as (

    select max(date_day) as newest_day
    from fct_sku_daily
    where days_of_cover is not null

),

alerting as (

    select distinct a.sku_id
    from fct_replenishment_alerts as a
    inner join newest as n on a.alert_date = n.newest_day

)

select
    s.date_day,
    s.sku_id,
    s.category,
    s.available,
    s.avg_daily_demand,
    s.days_of_cover,
    s.wasted_spend,
    alerting.sku_id is not null as has_alert
from fct_sku_daily as s
inner join newest as n on s.date_day = n.newest_day
left join alerting on s.sku_id = alerting.sku_id
where s.is_active and s.days_of_cover is not null
order by s.days_of_cover, s.sku_id
limit $limit
