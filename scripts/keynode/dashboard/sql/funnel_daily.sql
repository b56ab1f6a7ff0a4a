-- One funnel ($funnel_key) per node and day, with the anomaly flags of the node-day (every flagged
-- node metric of fct_node_anomalies, named).
with

funnel as (

    select
        funnel_date,
        node_step,
        node_key,
        node_label,
        users_reached,
        step_conversion_rate,
        overall_conversion_rate
    from fct_node_funnel_daily
    where funnel_key = $funnel_key

),

flags as (

    select
        metric_date,
        node_step,
        string_agg(metric_name, ', ' order by metric_name) as flagged_metrics
    from fct_node_anomalies
    where funnel_key = $funnel_key and is_flagged
    group by metric_date, node_step

)

select
    funnel.funnel_date,
    funnel.node_step,
    funnel.node_key,
    funnel.node_label,
    funnel.users_reached,
    funnel.step_conversion_rate,
    funnel.overall_conversion_rate,
    flags.flagged_metrics,
    flags.flagged_metrics is not null as is_anomalous
from funnel
left join flags
    on funnel.funnel_date = flags.metric_date and funnel.node_step = flags.node_step
order by funnel.funnel_date, funnel.node_step
