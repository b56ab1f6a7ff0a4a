{#-
    The statistics of the severity ladder per node metric and day, over the trailing
    keynode__anomaly_ladder_window_days days (the day included; docs anomaly_volatility,
    anomaly_correlation, anomaly_stability):
      * volatility: coefficient of variation (sample standard deviation / mean) of the metric;
      * correlation: Pearson correlation of the metric with daily paid orders (int_anomaly_daily_outcomes);
      * stability: share of the window's days on which the node was complete (completeness = 1),
        on time (data latency rate <= keynode__anomaly_max_latency_rate) and had no flagged alertable
        metric (registry keynode_anomaly_metrics).
-#}
{%- set window = var('keynode__anomaly_ladder_window_days') | int -%}
{%- set max_latency = var('keynode__anomaly_max_latency_rate') -%}

with

anomalies as (

    select * from {{ ref('fct_node_anomalies') }}

),

outcomes as (

    select * from {{ ref('int_anomaly_daily_outcomes') }}

),

node_days as (

    select
        funnel_key,
        node_step,
        metric_date,
        max(case when metric_name = 'completeness' then metric_value end) as completeness,
        max(case when metric_name = 'data_latency_rate' then metric_value end) as data_latency_rate,
        bool_or(
            is_flagged
            and metric_name in ({{ keynode_anomaly_metric_names('alertable', quoted=true) }})
        ) as any_flagged
    from anomalies
    group by funnel_key, node_step, metric_date

),

node_day_status as (

    select
        funnel_key,
        node_step,
        metric_date,
        case
            when
                coalesce(completeness, 0) >= 1
                and coalesce(data_latency_rate, 0) <= {{ max_latency }}
                and not any_flagged
                then cast(1 as double)
            else cast(0 as double)
        end as is_stable_day
    from node_days

),

stability as (

    select
        funnel_key,
        node_step,
        metric_date,
        avg(is_stable_day) over (
            partition by funnel_key, node_step
            order by metric_date
            range between interval {{ window - 1 }} day preceding and current row
        ) as stability,
        count(*) over (
            partition by funnel_key, node_step
            order by metric_date
            range between interval {{ window - 1 }} day preceding and current row
        ) as stability_days
    from node_day_status

),

metric_windows as (

    select
        anomalies.funnel_key,
        anomalies.node_step,
        anomalies.metric_name,
        anomalies.metric_date,
        stddev_samp(anomalies.metric_value) over w as window_stddev,
        avg(anomalies.metric_value) over w as window_mean,
        corr(anomalies.metric_value, cast(coalesce(outcomes.paid_orders, 0) as double)) over w
            as window_correlation,
        count(anomalies.metric_value) over w as window_days
    from anomalies
    left join outcomes on anomalies.metric_date = outcomes.outcome_date
    window w as (
        partition by anomalies.funnel_key, anomalies.node_step, anomalies.metric_name
        order by anomalies.metric_date
        range between interval {{ window - 1 }} day preceding and current row
    )

),

final as (

    select
        cast(metric_windows.funnel_key as {{ dbt.type_string() }}) as funnel_key,
        cast(metric_windows.node_step as integer) as node_step,
        cast(metric_windows.metric_name as {{ dbt.type_string() }}) as metric_name,
        cast(metric_windows.metric_date as date) as metric_date,
        cast(metric_windows.window_days as integer) as window_days,
        cast(
            case
                when metric_windows.window_mean <> 0
                    then metric_windows.window_stddev / abs(metric_windows.window_mean)
            end
            as double
        ) as volatility,
        -- undefined (one day, or a constant series): NULL on every engine (DuckDB's corr gives NaN)
        cast(nullif(metric_windows.window_correlation, cast('NaN' as double)) as double)
            as correlation_with_paid_orders,
        cast(stability.stability as double) as stability,
        cast(stability.stability_days as integer) as stability_days
    from metric_windows
    left join stability
        on
            metric_windows.funnel_key = stability.funnel_key
            and metric_windows.node_step = stability.node_step
            and metric_windows.metric_date = stability.metric_date

)

select * from final
