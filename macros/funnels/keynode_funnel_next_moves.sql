{#-
    Where each funnel user-day goes next from every node its reported chain reaches (doc
    key_signal_next_move), as CTEs ending in `<prefix>moves`: one row per (funnel_key, user_key,
    funnel_date, node_step) with next_node_step, the node of the user's next funnel event after reaching
    that node, or NULL (exit) when there is none within the chain's window (step_01_reached_at + W).

    Portable: the lookup over the stored user-days (`user_days_query`, int_funnel_user_days rows). Reach
    points and events become integer sort keys (epoch ms * 100 + node_step); the next event after
    reaching node k at time t is the event with the smallest key above t * 100 + k (an event at the same
    millisecond and node is the reaching one, not a move), searched from that key + 1, per compact user
    number (an integer sorts far cheaper than two strings).

    DuckDB: the funnel's own per-user pass (keynode_window_funnel_next_moves, keynode.udf.window_funnel)
    computes each start day's reported chain again, as int_funnel_user_days does, and looks the next key
    up in the user's sorted events: one list aggregate instead of a sort-merge join of every reach point
    (at 10M events, 7.2M reach points: 5.5 -> 2.0 s). It reports every start day of `events` (the caller
    keeps the ones it recomputes); `user_days_query` is not read. Var `keynode__funnel_portable_sql: true`
    makes DuckDB run the portable lookup (tests compare the two).

    Emits CTEs, each followed by a comma; the caller reads only `<prefix>moves`.
-#}
{% macro keynode_funnel_next_moves(
    user_days_query, events, nodes, window_minutes, max_steps, prefix='funnel_'
) -%}
{{ return(adapter.dispatch('keynode_funnel_next_moves', 'keynode')(
    user_days_query, events, nodes, window_minutes, max_steps, prefix
)) }}
{%- endmacro %}

{% macro default__keynode_funnel_next_moves(
    user_days_query, events, nodes, window_minutes, max_steps, prefix
) -%}
{{ prefix }}user_days as (

    {{ user_days_query }}

),

-- one row per user-day and node it reached, at the reported chain's time of that node
{{ prefix }}reached as (

    select
        user_days.funnel_key,
        user_days.funnel_date,
        user_days.user_key,
        nodes.node_step,
        case nodes.node_step
            {%- for step in range(1, max_steps + 1) %}
                when {{ step }} then user_days.step_{{ '%02d' | format(step) }}_reached_at
            {%- endfor %}
        end as reached_at,
        user_days.step_01_reached_at + interval {{ window_minutes }} minute as window_end_at
    from {{ prefix }}user_days as user_days
    inner join {{ nodes }} as nodes
        on user_days.funnel_key = nodes.funnel_key and user_days.max_step_reached >= nodes.node_step

),

{{ prefix }}users as (

    {{ keynode_funnel_user_numbers(prefix ~ 'user_days') }}

),

-- reach points and events as integer sort keys (only users with a user-day here are read further)
{{ prefix }}reach_points as (

    select
        users.user_number,
        reached.funnel_key,
        reached.funnel_date,
        reached.user_key,
        reached.node_step as reached_step,
        {{ keynode_epoch_ms('reached.reached_at') }} * 100 + reached.node_step + 1 as search_key,
        {{ keynode_epoch_ms('reached.window_end_at') }} * 100 + 99 as window_end_key
    from {{ prefix }}reached as reached
    inner join {{ prefix }}users as users
        on reached.funnel_key = users.funnel_key and reached.user_key = users.user_key

),

{{ prefix }}event_keys as (

    select
        users.user_number,
        {{ keynode_epoch_ms('events.event_ts') }} * 100 + events.node_step as event_ts
    from {{ events }} as events
    inner join {{ prefix }}users as users
        on events.funnel_key = users.funnel_key and events.user_key = users.user_key

),

-- every reach point with the key of the user's next funnel event (NULL: none)
{{ prefix }}next_keys as (

    {{ keynode_funnel_next_event(
        states=prefix ~ 'reach_points',
        events=prefix ~ 'event_keys',
        partition_by=['user_number'],
        state_ts='search_key',
        state_columns=['funnel_key', 'funnel_date', 'user_key', 'reached_step', 'window_end_key'],
        value_type='bigint',
        keep_unmatched=true
    ) }}

),

{{ prefix }}moves as (

    select
        funnel_key,
        user_key,
        funnel_date,
        reached_step as node_step,
        case when next_ts <= window_end_key then cast(next_ts % 100 as integer) end as next_node_step
    from {{ prefix }}next_keys

),
{%- endmacro %}

{% macro duckdb__keynode_funnel_next_moves(
    user_days_query, events, nodes, window_minutes, max_steps, prefix
) -%}
{%- if var('keynode__funnel_portable_sql', false) -%}
    {{ return(default__keynode_funnel_next_moves(
        user_days_query, events, nodes, window_minutes, max_steps, prefix
    )) }}
{%- endif -%}
{{ prefix }}user_moves as (

    -- per user, one struct per start day and node its reported chain reaches
    {{ keynode_funnel_user_pass(
        events, 'keynode_window_funnel_next_moves', window_minutes, [max_steps | int, 2] | max, 'move'
    ) }}

),

{{ prefix }}moves as (

    select
        funnel_key,
        user_key,
        move.funnel_date,
        move.node_step,
        move.next_node_step
    from {{ prefix }}user_moves

),
{%- endmacro %}
