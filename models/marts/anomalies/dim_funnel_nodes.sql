{#-
    Key-node classification: one row per funnel node (seed funnel_nodes) with each reason its own
    column (doc anomaly_key_node): ROI contribution share of the chain, leverage, intervenability
    (seed), data support (longest run of consecutive monitored days) and, when the behaviour mart
    fct_node_key_signals is used (var keynode__anomaly_use_key_signals; set it false in a project
    without that model), its entropy signal (information gain ratio, next-move entropy).
-#}
{%- set has_signals = var('keynode__anomaly_use_key_signals') -%}
{%- set min_days = var('keynode__anomaly_min_supported_days') | int -%}
{%- set roi_threshold = var('keynode__anomaly_roi_share_threshold') -%}
{#- rank of a monitored day within its node: date minus rank is constant over a run of days -#}
{%- set monitored_rank = 'row_number() over (partition by funnel_key, node_step order by metric_date)' -%}

with

nodes as (

    select * from {{ ref('funnel_nodes') }}

),

funnel_daily as (

    select * from {{ ref('fct_node_funnel_daily') }}

),

anomalies as (

    select * from {{ ref('fct_node_anomalies') }}

),

goals as (

    select
        funnel_key,
        sum(users_reached) as goal_users
    from funnel_daily
    where node_step = (
            select max(n.node_step) from nodes as n
            where n.funnel_key = funnel_daily.funnel_key
        )
    group by funnel_key

),

node_totals as (

    select
        funnel_key,
        node_step,
        count(distinct funnel_date) as funnel_days,
        sum(users_reached) as users_reached,
        sum(users_reached_previous) as users_reached_previous,
        sum(users_dropped) as users_dropped
    from funnel_daily
    group by funnel_key, node_step

),

recoverable as (

    select
        node_totals.*,
        goals.goal_users,
        -- conversions lost at the node: users who dropped there times the goal rate of those who
        -- reached it (what recovering them would be worth)
        case
            when node_totals.node_step > 1 and node_totals.users_reached > 0
                then node_totals.users_dropped * cast(goals.goal_users as double) / node_totals.users_reached
            else 0
        end as lost_conversions,
        -- goal conversions per day gained by one more percentage point of step conversion
        case
            when node_totals.node_step > 1 and node_totals.users_reached > 0 and node_totals.funnel_days > 0
                then 0.01 * node_totals.users_reached_previous
                    * (cast(goals.goal_users as double) / node_totals.users_reached) / node_totals.funnel_days
        end as leverage
    from node_totals
    inner join goals on node_totals.funnel_key = goals.funnel_key

),

shares as (

    select
        *,
        lost_conversions / nullif(sum(lost_conversions) over (partition by funnel_key), 0)
            as roi_contribution_share
    from recoverable

),

monitored as (

    select
        funnel_key,
        node_step,
        metric_date,
        -- islands of consecutive monitored days: date minus its rank is constant within a run
        {{ dbt.dateadd('day', '-1 * ' ~ monitored_rank, 'metric_date') }} as run_anchor
    from anomalies
    where
        metric_name = case when node_step = 1 then 'reach' else 'step_conversion' end
        and z_score is not null

),

support as (

    select
        funnel_key,
        node_step,
        max(run_days) as longest_monitored_run_days
    from (
        select
            funnel_key,
            node_step,
            run_anchor,
            count(*) as run_days
        from monitored
        group by funnel_key, node_step, run_anchor
    ) as runs
    group by funnel_key, node_step

),

{% if has_signals %}
    signals as (

        select
            funnel_key,
            node_step,
            information_gain_ratio,
            next_move_entropy_bits
        from {{ ref('fct_node_key_signals') }}

    ),
{% endif %}

final as (

    select
        cast(nodes.funnel_key as {{ dbt.type_string() }}) as funnel_key,
        cast(nodes.node_step as integer) as node_step,
        cast(nodes.node_key as {{ dbt.type_string() }}) as node_key,
        cast(nodes.node_label as {{ dbt.type_string() }}) as node_label,
        cast(nodes.owning_department as {{ dbt.type_string() }}) as owning_department,
        cast(shares.lost_conversions as double) as lost_conversions,
        cast(shares.roi_contribution_share as double) as roi_contribution_share,
        cast(coalesce(shares.roi_contribution_share > {{ roi_threshold }}, false) as boolean)
            as is_high_roi_share,
        cast(shares.leverage as double) as leverage,
        cast(
            coalesce(
                shares.leverage >= 1.2 * avg(shares.leverage) over (partition by nodes.funnel_key), false
            )
            as boolean
        ) as is_high_leverage,
        cast(nodes.is_intervenable as boolean) as is_intervenable,
        cast(coalesce(support.longest_monitored_run_days, 0) as integer) as longest_monitored_run_days,
        cast(coalesce(support.longest_monitored_run_days, 0) >= {{ min_days }} as boolean)
            as has_data_support,
        {% if has_signals -%}
            cast(signals.information_gain_ratio as double) as information_gain_ratio,
            cast(signals.next_move_entropy_bits as double) as next_move_entropy_bits,
        {%- else -%}
        cast(null as double) as information_gain_ratio,
        cast(null as double) as next_move_entropy_bits,
        {%- endif %}
        cast(
            coalesce(shares.roi_contribution_share > {{ roi_threshold }}, false)
            and nodes.is_intervenable
            and coalesce(support.longest_monitored_run_days, 0) >= {{ min_days }}
            as boolean
        ) as is_key_node,
        cast(
            coalesce(shares.roi_contribution_share > {{ roi_threshold }}, false) and nodes.is_intervenable
            as boolean
        ) as is_key_node_candidate
    from nodes
    left join shares on nodes.funnel_key = shares.funnel_key and nodes.node_step = shares.node_step
    left join support on nodes.funnel_key = support.funnel_key and nodes.node_step = support.node_step
    {% if has_signals -%}
        left join signals on nodes.funnel_key = signals.funnel_key and nodes.node_step = signals.node_step
    {%- endif %}

)

select * from final
