{#-
    Key-node signals, one row per funnel node, over all user-days of int_funnel_user_days:
      * next-move entropy: Shannon entropy (bits) of where users go next from the node - the node of
        their next funnel event after reaching it, or `exit` (doc key_signal_next_move);
      * information gain about conversion (reaching the funnel's goal node) from knowing the user-day
        reached the node: H(converted) - H(converted | reached node k) (doc key_signal_information_gain).
    Entropies are computed from counts: H = sum(n_i / n * log2(n / n_i)) over the non-empty cells
    (0 * log 0 = 0).
-#}
{%- set max_steps = keynode_funnel_max_steps() -%}
{%- set window_minutes = var('keynode__conversion_window_minutes') | int -%}
{#- the next-event lookup is an ASOF join on DuckDB: keep it a sort-merge join (see the macro) -#}
{{
    config(
        pre_hook=keynode_funnel_session_settings(),
        post_hook=keynode_funnel_session_settings(reset=true),
    )
}}

with

user_days as (

    select * from {{ ref('int_funnel_user_days') }}

),

funnel_events as (

    select
        funnel_key,
        user_key,
        event_ts,
        node_step
    from {{ ref('int_funnel_events') }}

),

funnels as (

    select
        funnel_key,
        goal_node_key
    from {{ ref('funnels') }}

),

nodes as (

    select * from {{ ref('funnel_nodes') }}

),

goals as (

    select
        funnels.funnel_key,
        nodes.node_step as goal_step
    from funnels
    inner join nodes
        on funnels.funnel_key = nodes.funnel_key and funnels.goal_node_key = nodes.node_key

),

-- one row per user-day and node it reached, at the reported chain's time of that node
reached as (

    select
        user_days.funnel_key,
        user_days.user_key,
        nodes.node_step,
        case nodes.node_step
            {%- for step in range(1, max_steps + 1) %}
                when {{ step }} then user_days.step_{{ '%02d' | format(step) }}_reached_at
            {%- endfor %}
        end as reached_at,
        user_days.step_01_reached_at + interval {{ window_minutes }} minute as window_end_at
    from user_days
    inner join nodes
        on user_days.funnel_key = nodes.funnel_key and user_days.max_step_reached >= nodes.node_step

),

-- reach points and events as integer sort keys (epoch ms * 100 + node_step): a user's next funnel
-- event after reaching node k at time t is the event with the smallest key above t * 100 + k (an
-- event at the same time and node is the reaching one, not a move); searched from that key + 1
-- (the lookup is keyed by a compact user number: an integer key sorts far cheaper than two strings;
-- only users with a user-day have reach points, so the events of other users are not read further)
users as (

    {{ keynode_funnel_user_numbers('user_days') }}

),

reach_points as (

    select
        users.user_number,
        reached.funnel_key,
        reached.node_step as reached_step,
        {{ keynode_epoch_ms('reached.reached_at') }} * 100 + reached.node_step + 1 as search_key,
        {{ keynode_epoch_ms('reached.window_end_at') }} * 100 + 99 as window_end_key
    from reached
    inner join users
        on reached.funnel_key = users.funnel_key and reached.user_key = users.user_key

),

event_keys as (

    select
        users.user_number,
        {{ keynode_epoch_ms('funnel_events.event_ts') }} * 100 + funnel_events.node_step as event_ts
    from funnel_events
    inner join users
        on funnel_events.funnel_key = users.funnel_key and funnel_events.user_key = users.user_key

),

-- every reach point with the key of the user's next funnel event (NULL: none, an exit)
next_keys as (

    {{ keynode_funnel_next_event(
        states='reach_points',
        events='event_keys',
        partition_by=['user_number'],
        state_ts='search_key',
        state_columns=['funnel_key', 'reached_step', 'window_end_key'],
        value_type='bigint',
        keep_unmatched=true
    ) }}

),

moves as (

    select
        next_keys.funnel_key,
        next_keys.reached_step as node_step,
        coalesce(nodes.node_key, 'exit') as next_node_key,
        count(*) as moves
    from next_keys
    left join nodes
        on
            next_keys.funnel_key = nodes.funnel_key
            and next_keys.next_ts <= next_keys.window_end_key
            and next_keys.next_ts % 100 = nodes.node_step
    group by next_keys.funnel_key, next_keys.reached_step, coalesce(nodes.node_key, 'exit')

),

move_shares as (

    select
        funnel_key,
        node_step,
        next_node_key,
        moves,
        sum(moves) over (partition by funnel_key, node_step) as moves_total,
        row_number() over (
            partition by funnel_key, node_step order by moves desc, next_node_key asc
        ) as move_rank
    from moves

),

next_move_entropy as (

    select
        funnel_key,
        node_step,
        max(moves_total) as user_days_moving,
        count(*) as next_destinations,
        sum((cast(moves as double) / moves_total) * ln(cast(moves_total as double) / moves)) / ln(2.0)
            as next_move_entropy_bits,
        max(case when move_rank = 1 then next_node_key end) as top_next_node_key,
        max(case when move_rank = 1 then cast(moves as double) / moves_total end) as top_next_share,
        coalesce(sum(case when next_node_key = 'exit' then cast(moves as double) / moves_total end), 0)
            as exit_share
    from move_shares
    group by funnel_key, node_step

),

-- user-days per funnel and max step: all the information-gain counts derive from these
step_counts as (

    select
        funnel_key,
        max_step_reached,
        count(*) as user_days
    from user_days
    group by funnel_key, max_step_reached

),

-- H(C) per funnel: C = the user-day reached the goal node
outcomes as (

    select
        step_counts.funnel_key,
        step_counts.max_step_reached >= goals.goal_step as is_converted,
        sum(step_counts.user_days) as user_days
    from step_counts
    inner join goals
        on step_counts.funnel_key = goals.funnel_key
    group by step_counts.funnel_key, step_counts.max_step_reached >= goals.goal_step

),

conversion_entropy as (

    select
        funnel_key,
        sum(user_days) as user_days_total,
        sum(case when is_converted then user_days else 0 end) as user_days_converted,
        sum(
            (cast(user_days as double) / user_days_total) * ln(cast(user_days_total as double) / user_days)
        ) / ln(2.0) as conversion_entropy_bits
    from (
        select
            *,
            sum(user_days) over (partition by funnel_key) as user_days_total
        from outcomes
    ) as shares
    group by funnel_key

),

-- for node k, the cells (reached k, converted) with their user-day counts
cells as (

    select
        nodes.funnel_key,
        nodes.node_step,
        step_counts.max_step_reached >= nodes.node_step as is_reached,
        step_counts.max_step_reached >= goals.goal_step as is_converted,
        sum(step_counts.user_days) as user_days
    from nodes
    inner join goals
        on nodes.funnel_key = goals.funnel_key
    inner join step_counts
        on nodes.funnel_key = step_counts.funnel_key
    group by
        nodes.funnel_key,
        nodes.node_step,
        step_counts.max_step_reached >= nodes.node_step,
        step_counts.max_step_reached >= goals.goal_step

),

-- H(C | R_k) = sum_{r,c} p(r, c) log2(1 / p(c | r))
conditional_entropy as (

    select
        funnel_key,
        node_step,
        max(user_days_total) as user_days_total,
        sum(case when is_reached then user_days else 0 end) as user_days_reached,
        sum(case when is_reached and is_converted then user_days else 0 end) as user_days_reached_converted,
        sum(
            (cast(user_days as double) / user_days_total)
            * ln(cast(user_days_same_reach as double) / user_days)
        ) / ln(2.0) as conditional_entropy_bits
    from (
        select
            *,
            sum(user_days) over (partition by funnel_key, node_step) as user_days_total,
            sum(user_days) over (partition by funnel_key, node_step, is_reached) as user_days_same_reach
        from cells
    ) as shares
    group by funnel_key, node_step

),

-- entropies are rounded to 1e-9 bits: sums of floating-point terms then do not depend on their order
gains as (

    select
        conditional_entropy.funnel_key,
        conditional_entropy.node_step,
        conditional_entropy.user_days_total,
        conditional_entropy.user_days_reached,
        conversion_entropy.user_days_converted,
        conditional_entropy.user_days_reached_converted,
        round(conversion_entropy.conversion_entropy_bits, 9) as conversion_entropy_bits,
        round(conditional_entropy.conditional_entropy_bits, 9) as conditional_entropy_bits,
        round(
            round(conversion_entropy.conversion_entropy_bits, 9)
            - round(conditional_entropy.conditional_entropy_bits, 9),
            9
        ) as information_gain_bits
    from conditional_entropy
    inner join conversion_entropy
        on conditional_entropy.funnel_key = conversion_entropy.funnel_key

),

increments as (

    select
        *,
        round(
            information_gain_bits
            - coalesce(lag(information_gain_bits) over (partition by funnel_key order by node_step), 0),
            9
        ) as information_gain_increment_bits
    from gains

),

signals as (

    select
        increments.*,
        nodes.node_key,
        case
            when increments.user_days_reached > 0
                then cast(increments.user_days_reached_converted as double) / increments.user_days_reached
        end as conversion_rate_when_reached,
        coalesce(next_move_entropy.next_destinations, 0) as next_destinations,
        round(next_move_entropy.next_move_entropy_bits, 9) as next_move_entropy_bits,
        next_move_entropy.top_next_node_key,
        next_move_entropy.top_next_share,
        next_move_entropy.exit_share,
        case
            when increments.conversion_entropy_bits > 0
                then round(increments.information_gain_bits / increments.conversion_entropy_bits, 9)
        end as information_gain_ratio
    from nodes
    inner join increments
        on nodes.funnel_key = increments.funnel_key and nodes.node_step = increments.node_step
    left join next_move_entropy
        on nodes.funnel_key = next_move_entropy.funnel_key and nodes.node_step = next_move_entropy.node_step

),

final as (

    select {{ keynode_contract_columns() }}
    from signals

)

select * from final
