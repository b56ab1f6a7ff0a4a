-- Replenishment alerts per day and rule: firing and newly opened.
select
    alert_date,
    rule_key,
    count(*) as alerts,
    sum(case when is_new_alert then 1 else 0 end) as new_alerts
from fct_replenishment_alerts
group by alert_date, rule_key
order by alert_date, rule_key
