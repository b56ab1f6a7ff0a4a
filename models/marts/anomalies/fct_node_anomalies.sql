{#-
    Node-metric anomalies: one row per (funnel_key, node_step, metric_name, metric_date) of
    fct_node_metrics_daily with the applied settings (seed node_metric_thresholds, else the
    keynode__anomaly_* vars), the baseline of the trailing window without the day itself, promotion
    days and days outside the expected range in an earlier pass (keynode__anomaly_passes passes, no
    recursion; a break of k days is fully left out after k + 1 passes), the
    expected range, z-score, p-value, confidence and the flag (doc anomaly_baseline).
-#}
{%- set passes = var('keynode__anomaly_passes') | int -%}
{#- chains starting on a day may continue this many later days (conversion window, rounded up) -#}
{%- set window_days = ((var('keynode__conversion_window_minutes') | int) / 1440) | round(0, 'ceil') | int -%}
{%- set confidence_level = var('keynode__anomaly_confidence_level') | float -%}
{%- set min_source_completeness = var('keynode__anomaly_min_source_completeness') | float -%}
{%- set default_direction = var('keynode__anomaly_direction') -%}
{%- set base_columns = [
    'funnel_key', 'node_step', 'node_key', 'metric_name', 'metric_date', 'metric_kind', 'numerator',
    'denominator', 'metric_value', 'day_of_week', 'is_promotion_day', 'promotion_multiplier',
    'source_completeness', 'is_window_censored', 'is_scorable', 'training_days', 'min_training_size',
    'sensitivity', 'min_volume', 'direction', 'use_seasonality', 'sigma_floor', 'threshold_source'
] -%}

with

metrics as (

    select * from {{ ref('fct_node_metrics_daily') }}

),

thresholds as (

    select * from {{ ref('node_metric_thresholds') }}

),

promotions as (

    select
        start_date,
        end_date,
        expected_traffic_multiplier
    from {{ ref('promotion_calendar') }}

),

completeness as (

    select
        funnel_key,
        node_step,
        metric_date,
        metric_value as source_completeness
    from metrics
    where metric_name = 'completeness'

),

base as (

    select
        metrics.funnel_key,
        metrics.node_step,
        metrics.node_key,
        metrics.metric_name,
        metrics.metric_date,
        metrics.metric_kind,
        metrics.numerator,
        metrics.denominator,
        metrics.metric_value,
        coalesce(max(promotions.expected_traffic_multiplier), 1.0) as promotion_multiplier,
        count(promotions.start_date) > 0 as is_promotion_day
    from metrics
    left join promotions
        on metrics.metric_date >= promotions.start_date and metrics.metric_date <= promotions.end_date
    group by all

),

settings as (

    select
        base.funnel_key,
        base.node_step,
        base.node_key,
        base.metric_name,
        base.metric_date,
        base.metric_kind,
        base.numerator,
        base.denominator,
        base.metric_value,
        -- days since Sunday 2000-01-02, modulo 7 (0 = Sunday); dbt's datediff renders one long line
        -- noqa: disable=LT05
        {{ dbt.datediff("cast('2000-01-02' as date)", 'base.metric_date', 'day') }} % 7 as day_of_week,
        -- noqa: enable=LT05
        base.is_promotion_day,
        base.promotion_multiplier,
        coalesce(completeness.source_completeness, 1.0) as source_completeness,
        coalesce(thresholds.training_days, {{ var('keynode__anomaly_training_period_days') }})
            as training_days,
        coalesce(thresholds.min_training_size, {{ var('keynode__anomaly_min_training_size') }})
            as min_training_size,
        coalesce(thresholds.sensitivity, {{ var('keynode__anomaly_sensitivity') }}) as sensitivity,
        coalesce(thresholds.min_volume, {{ var('keynode__anomaly_min_volume') }}) as min_volume,
        coalesce(
            thresholds.direction,
            -- the registry's default direction of the metric (none there: var keynode__anomaly_direction)
            case base.metric_name
                {%- for metric in keynode_anomaly_metrics() %}
                    when '{{ metric.name }}' then '{{ metric.direction or default_direction }}'
                {%- endfor %}
            end
        ) as direction,
        coalesce(thresholds.use_seasonality, false) as use_seasonality,
        {{ var('keynode__anomaly_sigma_floor') }} as sigma_floor,
        case when thresholds.metric_name is null then 'vars' else 'node_metric_thresholds' end
            as threshold_source
    from base
    left join completeness
        on {{ keynode_same_key('base', 'completeness', ['funnel_key', 'node_step', 'metric_date']) }}
    left join thresholds
        on {{ keynode_same_key('base', 'thresholds', ['funnel_key', 'node_step', 'metric_name']) }}

),

-- the last day the events source was (nearly) complete: funnel days whose conversion window runs
-- past it are right-censored (their chains could not finish yet) and are not scored
data_end as (

    select max(metric_date) as last_complete_date
    from completeness
    where source_completeness >= {{ min_source_completeness }}

),

censoring as (

    select
        settings.*,
        coalesce(
            settings.metric_name in ({{ keynode_anomaly_metric_names('censorable', quoted=true) }})
            and {{ dbt.dateadd('day', window_days, 'settings.metric_date') }} > data_end.last_complete_date,
            false
        ) as is_window_censored
    from settings
    cross join data_end

),

pass_0 as (

    select
        *,
        -- a business metric (needs_complete_source in the registry) is scored only on days the events
        -- source is (nearly) complete; an incomplete day is reported by the completeness metric itself
        (
            metric_value is not null
            and not is_window_censored
            and (
                metric_name not in ({{ keynode_anomaly_metric_names('min_volume_applies', quoted=true) }})
                or denominator >= min_volume
            )
            and (
                metric_name not in ({{ keynode_anomaly_metric_names('needs_complete_source', quoted=true) }})
                or source_completeness >= {{ min_source_completeness }}
            )
        ) as is_scorable
    from censoring

),

{%- for p in range(1, passes + 1) %}

    pass_{{ p }}_input as (

        select
            {% for c in base_columns -%}
                {{ c }},
            {% endfor -%}
            {% if p == 1 -%}
                false as exclude_from_baseline
            {%- else -%}
                -- cumulative: a day beyond the expected range in any earlier pass stays out of baselines
                exclude_from_baseline or coalesce(is_beyond_range, false) as exclude_from_baseline
            {%- endif %}
        from {{ 'pass_0' if p == 1 else 'pass_%d_final' % (p - 1) }}
        -- read three times by the pass (the baseline self-join and the expectation): computed once
        where {{ keynode_shared_cte() }}

    ),

    {{ keynode_anomaly_score_pass('pass_%d_input' % p, confidence_level, 'pass_%d_' % p) }},
{%- endfor %}

directed as (

    select
        *,
        case
            when z_score is null then null
            when z_score < 0 then 'below'
            when z_score > 0 then 'above'
            else 'at'
        end as deviation_direction
    from pass_{{ passes }}_final

),

final as (

    select {{ keynode_contract_columns() }}
    from directed

)

select * from final
