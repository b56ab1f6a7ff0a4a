{#-
    Key-node signals, one row per funnel node, over all user-days of int_funnel_user_days:
      * next-move entropy: Shannon entropy (bits) of where users go next from the node - the node of
        their next funnel event after reaching it, or `exit` (doc key_signal_next_move), counted from
        int_funnel_next_moves (one row per user-day and node reached, kept incrementally);
      * information gain about conversion (reaching the funnel's goal node) from knowing the user-day
        reached the node: H(converted) - H(converted | reached node k) (doc key_signal_information_gain).
    Entropies are computed from counts: H = sum(n_i / n * log2(n / n_i)) over the non-empty cells
    (0 * log 0 = 0).
-#}
with

user_days as (

    select
        funnel_key,
        max_step_reached
    from {{ ref('int_funnel_user_days') }}

),

next_moves as (

    select
        funnel_key,
        node_step,
        next_node_step
    from {{ ref('int_funnel_next_moves') }}

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

-- where the user-days that reach each node go next (int_funnel_next_moves: NULL = exit)
moves as (

    select
        next_moves.funnel_key,
        next_moves.node_step,
        coalesce(nodes.node_key, 'exit') as next_node_key,
        count(*) as moves
    from next_moves
    left join nodes
        on next_moves.funnel_key = nodes.funnel_key and next_moves.next_node_step = nodes.node_step
    group by next_moves.funnel_key, next_moves.node_step, coalesce(nodes.node_key, 'exit')

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
