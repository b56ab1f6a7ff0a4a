-- Replenishment alerts firing on the newest alert day, lowest days of cover first.
select
    alert_date,
    sku_id,
    category,
    rule_key,
    alert_opened_date,
    days_open,
    available,
    inbound,
    avg_daily_demand,
    days_of_cover,
    reorder_point,
    recommended_order_quantity,
    spend
from fct_replenishment_alerts
where alert_date = (select max(a.alert_date) from fct_replenishment_alerts as a)
order by days_of_cover nulls last, sku_id, rule_key
