-- Open anomaly incidents per ladder level (0 monitor .. 3 redundant backup) and funnel.
select
    severity_level,
    severity_action,
    funnel_key,
    count(*) as open_incidents
from fct_node_alerts
where status = 'open'
group by severity_level, severity_action, funnel_key
order by severity_level, funnel_key
