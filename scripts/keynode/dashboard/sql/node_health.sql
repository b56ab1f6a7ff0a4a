-- One funnel's ($funnel_key) node-days: health score, data latency rate, open incidents and, when
-- latency is unhealthy, the lineage upstream of the node's feeds.
select
    h.health_date,
    h.node_step,
    h.node_key,
    n.node_label,
    h.health_score,
    h.data_latency_rate,
    h.is_latency_unhealthy,
    h.completeness,
    h.stability,
    h.flagged_metrics,
    h.open_incidents,
    h.upstream_lineage
from fct_node_health_daily as h
left join dim_funnel_nodes as n
    on h.funnel_key = n.funnel_key and h.node_step = n.node_step
where h.funnel_key = $funnel_key
order by h.health_date, h.node_step
