{#-
    Node health per funnel node and day (doc anomaly_health_score): volume (users reaching the node),
    data latency rate and completeness of its events, volatility of its step conversion (reach for
    step 1), stability, incidents open that day and one health score. When the latency rate is above
    keynode__anomaly_max_latency_rate the node's upstream sources and models (from the dbt graph at
    compile time) are named in upstream_lineage.
-#}
{%- set max_latency = var('keynode__anomaly_max_latency_rate') -%}
{%- set lineage = keynode_anomaly_upstream_lineage(
    ['fct_node_funnel_daily', 'int_anomaly_node_quality_daily']
) -%}

-- depends_on: {{ ref('fct_node_funnel_daily') }}
with

anomalies as (

    select * from {{ ref('fct_node_anomalies') }}

),

ladder as (

    select * from {{ ref('int_anomaly_node_ladder_daily') }}

),

alerts as (

    select * from {{ ref('fct_node_alerts') }}

),

node_days as (

    select
        funnel_key,
        node_step,
        max(node_key) as node_key,
        metric_date as health_date,
        max(case when metric_name = 'reach' then metric_value end) as volume,
        max(case when metric_name = 'data_latency_rate' then metric_value end) as data_latency_rate,
        max(case when metric_name = 'completeness' then metric_value end) as completeness,
        count_if(is_flagged) as flagged_metrics
    from anomalies
    group by funnel_key, node_step, metric_date

),

volatility as (

    select
        funnel_key,
        node_step,
        metric_date,
        max(volatility) as volatility,
        max(stability) as stability
    from ladder
    where metric_name = 'step_conversion' or (node_step = 1 and metric_name = 'reach')
    group by funnel_key, node_step, metric_date

),

open_incidents as (

    select
        node_days.funnel_key,
        node_days.node_step,
        node_days.health_date,
        count(alerts.incident_id) as open_incidents
    from node_days
    inner join alerts
        on
            node_days.funnel_key = alerts.funnel_key
            and node_days.node_step = alerts.node_step
            and node_days.health_date >= alerts.opened_date
            and (alerts.closed_date is null or node_days.health_date < alerts.closed_date)
    group by node_days.funnel_key, node_days.node_step, node_days.health_date

),

joined as (

    select
        node_days.*,
        volatility.volatility,
        volatility.stability,
        coalesce(open_incidents.open_incidents, 0) as open_incidents,
        coalesce(node_days.data_latency_rate > {{ max_latency }}, false) as is_latency_unhealthy
    from node_days
    left join volatility
        on {{ keynode_same_key(
            'node_days', 'volatility', ['funnel_key', 'node_step', ['health_date', 'metric_date']]
        ) }}
    left join open_incidents
        on {{ keynode_same_key('node_days', 'open_incidents', ['funnel_key', 'node_step', 'health_date']) }}

),

scored as (

    select
        *,
        case when is_latency_unhealthy then '{{ lineage }}' end as upstream_lineage,
        100.0 * (
            0.25 * coalesce(completeness, 0)
            + 0.25 * (1 - least(1.0, coalesce(data_latency_rate, 0) / {{ max_latency }}))
            + 0.25 * coalesce(stability, 1)
            + 0.25 * (1 - least(1.0, coalesce(volatility, 0)))
        ) * case when open_incidents > 0 then 0.5 else 1.0 end as health_score
    from joined

),

final as (

    select {{ keynode_contract_columns() }}
    from scored

)

select * from final
