{#-
    Node metrics in long form: one row per (funnel_key, node_step, metric_date, metric_name). Rates
    carry numerator and denominator; counts and durations have denominator = the volume they rest on.
    Metrics (doc anomaly_metric_catalogue): step_conversion, drop_off, reach (fct_node_funnel_daily),
    time_to_convert (int_funnel_user_days step times), data_latency_rate, completeness, bounce_rate
    (int_anomaly_node_quality_daily). Days are funnel dates (chain-start days) for funnel metrics and
    event days for the data-quality metrics.
-#}
{%- set max_steps = keynode_funnel_max_steps() -%}

with

funnel_daily as (

    select
        funnel_key,
        funnel_date,
        node_step,
        node_key,
        users_reached,
        users_reached_previous,
        users_dropped
    from {{ ref('fct_node_funnel_daily') }}

),

quality as (

    select * from {{ ref('int_anomaly_node_quality_daily') }}

),

nodes as (

    select
        funnel_key,
        node_step,
        node_key
    from {{ ref('funnel_nodes') }}

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
                ({{ keynode_epoch_ms(this_col) }} - {{ keynode_epoch_ms(prev_col) }}) / 60000.0
            ) as minutes_total
        from user_days
        where {{ this_col }} is not null and {{ prev_col }} is not null
        group by funnel_key, funnel_date
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

metrics as (

    select
        funnel_key,
        node_step,
        funnel_date as metric_date,
        'step_conversion' as metric_name,
        'rate' as metric_kind,
        cast(users_reached as double) as numerator,
        cast(users_reached_previous as double) as denominator
    from funnel_daily
    where node_step > 1

    union all

    select
        funnel_key,
        node_step,
        funnel_date as metric_date,
        'drop_off' as metric_name,
        'rate' as metric_kind,
        cast(users_dropped as double) as numerator,
        cast(users_reached_previous as double) as denominator
    from funnel_daily
    where node_step > 1

    union all

    select
        funnel_key,
        node_step,
        funnel_date as metric_date,
        'reach' as metric_name,
        'count' as metric_kind,
        cast(users_reached as double) as numerator,
        cast(users_reached as double) as denominator
    from funnel_daily

    union all

    select
        funnel_key,
        node_step,
        funnel_date as metric_date,
        'time_to_convert' as metric_name,
        'duration' as metric_kind,
        minutes_total as numerator,
        cast(users_timed as double) as denominator
    from step_times

    union all

    select
        funnel_key,
        node_step,
        event_date as metric_date,
        'data_latency_rate' as metric_name,
        'rate' as metric_kind,
        cast(late_events as double) as numerator,
        cast(node_events as double) as denominator
    from quality

    union all

    select
        funnel_key,
        node_step,
        event_date as metric_date,
        'completeness' as metric_name,
        'rate' as metric_kind,
        cast(source_hours_present as double) as numerator,
        24.0 as denominator
    from quality

    union all

    select
        funnel_key,
        node_step,
        event_date as metric_date,
        'bounce_rate' as metric_name,
        'rate' as metric_kind,
        cast(bounced_sessions as double) as numerator,
        cast(landing_sessions as double) as denominator
    from quality
    where landing_sessions > 0

),

final as (

    select
        cast(metrics.funnel_key as {{ dbt.type_string() }}) as funnel_key,
        cast(metrics.node_step as integer) as node_step,
        cast(nodes.node_key as {{ dbt.type_string() }}) as node_key,
        cast(metrics.metric_date as date) as metric_date,
        cast(metrics.metric_name as {{ dbt.type_string() }}) as metric_name,
        cast(metrics.metric_kind as {{ dbt.type_string() }}) as metric_kind,
        cast(metrics.numerator as double) as numerator,
        cast(metrics.denominator as double) as denominator,
        cast(
            case
                when metrics.metric_kind = 'count' then metrics.numerator
                when metrics.denominator > 0 then metrics.numerator / metrics.denominator
            end as double
        ) as metric_value
    from metrics
    inner join nodes on metrics.funnel_key = nodes.funnel_key and metrics.node_step = nodes.node_step

)

select * from final
