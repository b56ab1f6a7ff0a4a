{#-
    Node metrics in long form: one row per (funnel_key, node_step, metric_date, metric_name). Rates
    carry numerator and denominator; counts and durations have denominator = the volume they rest on.
    The metrics are those of the registry keynode_anomaly_metrics (doc anomaly_metric_catalogue): one
    union branch per metric, read from its source CTE below (funnel_daily, step_times, node_quality)
    with its date column, numerator, denominator and filter. Days are funnel dates (chain-start days)
    for funnel metrics and event days for the data-quality metrics.
-#}
{%- set max_steps = keynode_funnel_max_steps() -%}
{#- the CTEs a metric of the registry can read (its `source`) -#}
{%- set sources = ['funnel_daily', 'step_times', 'node_quality'] -%}

with

funnel_daily as (

    select * from {{ ref('fct_node_funnel_daily') }}

),

node_quality as (

    select * from {{ ref('int_anomaly_node_quality_daily') }}

),

nodes as (

    select * from {{ ref('funnel_nodes') }}

),

user_days as (

    select * from {{ ref('int_funnel_user_days') }}

),

step_times as (
    {%- for step in range(2, max_steps + 1) %}
        {%- set this_col = 'step_%02d_reached_at' % step -%}
        {%- set prev_col = 'step_%02d_reached_at' % (step - 1) %}
        select
            funnel_key,
            funnel_date,
            {{ step }} as node_step,
            count(*) as users_timed,
            sum(
                ({{ keynode_epoch_ms(this_col) }} - {{ keynode_epoch_ms(prev_col) }}) / cast(60000 as double)
            ) as minutes_total
        from user_days
        where {{ this_col }} is not null and {{ prev_col }} is not null
        group by funnel_key, funnel_date
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

metrics as (
    {%- for metric in keynode_anomaly_metrics() %}
        {%- if metric.source not in sources %}
            {{ exceptions.raise_compiler_error(
                'fct_node_metrics_daily: metric ' ~ metric.name ~ ' reads source ' ~ metric.source
                ~ ', which is none of the CTEs ' ~ sources | join(', ')
            ) }}
        {%- endif %}

        select
            funnel_key,
            node_step,
            {{ metric.date_column }} as metric_date,
            '{{ metric.name }}' as metric_name,
            '{{ metric.kind }}' as metric_kind,
            cast({{ metric.numerator }} as double) as numerator,
            cast({{ metric.denominator }} as double) as denominator
        from {{ metric.source }}
        {%- if metric.filter %}
            where {{ metric.filter }}
        {%- endif %}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

valued as (

    select
        metrics.*,
        nodes.node_key,
        case
            when metrics.metric_kind = 'count' then metrics.numerator
            when metrics.denominator > 0 then metrics.numerator / metrics.denominator
        end as metric_value
    from metrics
    inner join nodes on metrics.funnel_key = nodes.funnel_key and metrics.node_step = nodes.node_step

),

final as (

    select {{ keynode_contract_columns() }}
    from valued

)

select * from final
