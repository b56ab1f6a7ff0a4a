{#-
    Node incidents: one row per run of consecutive flagged days of one node metric (the alertable
    metrics of the registry keynode_anomaly_metrics). An incident opens on its first flagged day and
    closes on the first later day the metric is no longer flagged (closed_date null: still open at the
    last day of data). Only days at or above the configured confidence level (family_confidence,
    Bonferroni across the nodes of the day) are flagged, so weaker deviations never raise an alert.
    Severity comes from the three-level ladder evaluated on the opening day (doc
    anomaly_severity_ladder).
-#}
{%- set confidence_level = var('keynode__anomaly_confidence_level') | float -%}

with

anomalies as (

    select * from {{ ref('fct_node_anomalies') }}
    where metric_name in ({{ keynode_anomaly_metric_names('alertable', quoted=true) }})

),

ladder as (

    select * from {{ ref('int_anomaly_node_ladder_daily') }}

),

sequenced as (

    select
        funnel_key,
        node_step,
        node_key,
        metric_name,
        metric_date,
        metric_value,
        expected_value,
        z_score,
        family_confidence,
        deviation_direction,
        is_flagged and family_confidence >= {{ confidence_level }} as is_alerting,
        lead(metric_date) over (
            partition by funnel_key, node_step, metric_name order by metric_date
        ) as next_metric_date,
        sum(case when is_flagged and family_confidence >= {{ confidence_level }} then 0 else 1 end) over (
            partition by funnel_key, node_step, metric_name
            order by metric_date
            rows between unbounded preceding and current row
        ) as island_id
    from anomalies

),

incidents as (

    select
        funnel_key,
        node_step,
        node_key,
        metric_name,
        island_id,
        min(metric_date) as opened_date,
        max(metric_date) as last_anomalous_date,
        count(*) as anomalous_days,
        max(abs(z_score)) as peak_abs_z_score,
        max(family_confidence) as peak_confidence,
        min(metric_value) as min_value,
        max(metric_value) as max_value,
        max(expected_value) as expected_value_at_open,
        max(deviation_direction) as deviation_direction
    from sequenced
    where is_alerting
    group by funnel_key, node_step, node_key, metric_name, island_id

),

closing as (

    select
        incidents.*,
        sequenced.next_metric_date as closed_date
    from incidents
    left join sequenced
        on {{ keynode_same_key('incidents', 'sequenced', [
            'funnel_key', 'node_step', 'metric_name', ['last_anomalous_date', 'metric_date']
        ]) }}

),

graded as (

    select
        closing.*,
        ladder.volatility,
        ladder.correlation_with_paid_orders,
        ladder.stability,
        coalesce(ladder.volatility > {{ var('keynode__anomaly_volatility_threshold') }}, false)
            as needs_risk_assessment,
        coalesce(
            ladder.correlation_with_paid_orders < {{ var('keynode__anomaly_correlation_threshold') }}, false
        ) as needs_data_model_rebuild,
        coalesce(ladder.stability < {{ var('keynode__anomaly_stability_threshold') }}, false)
            as needs_redundant_backup
    from closing
    left join ladder
        on {{ keynode_same_key('closing', 'ladder', [
            'funnel_key', 'node_step', 'metric_name', ['opened_date', 'metric_date']
        ]) }}

),

described as (

    select
        *,
        funnel_key || '|' || cast(node_step as {{ dbt.type_string() }}) || '|' || metric_name || '|'
        || cast(opened_date as {{ dbt.type_string() }}) as incident_id,
        case when closed_date is null then 'open' else 'closed' end as status,
        case
            when needs_redundant_backup then 3
            when needs_data_model_rebuild then 2
            when needs_risk_assessment then 1
            else 0
        end as severity_level,
        case
            when needs_redundant_backup then 'redundant backup'
            when needs_data_model_rebuild then 'rebuild the data model'
            when needs_risk_assessment then 'risk assessment'
            else 'monitor'
        end as severity_action
    from graded

),

final as (

    select {{ keynode_contract_columns() }}
    from described

)

select * from final
