{#-
    Windowed funnel (ClickHouse `windowFunnel(W)` semantics, per chain-start day) as a chain of CTEs.

    `events`: a CTE or relation with funnel_key, user_key, event_id, event_date, event_ts, node_step and
    the `entry_columns`. Its node-1 rows are exactly the chain starts to evaluate (their event_date is
    the funnel date); its other rows are the candidate continuation events. A user reaches node k on
    day d when events e1..ek of nodes 1..k exist with ts(e1) <= ... <= ts(ek) <= ts(e1) + W minutes and
    e1 on day d.

    Algorithm (one sort-merge lookup per level over that level's events only, never a sort of all
    events per level):
      * level 1: every node-1 event is a state (start_ts = reach_ts = its time);
      * level k: for every level-(k-1) state, the earliest node-k event at or after the state's
        reach_ts (`keynode_funnel_next_event`), kept when it is within start_ts + W. For a fixed start
        the earliest next event is optimal (exchange argument);
      * states of one user and start date that reach level k at the same time have the same future, and
        the latest start has the latest deadline, so only it is kept (group by reach_ts,
        max(start_ts)). States are thus bounded by the distinct reach times (this also collapses
        node-1 events with equal timestamps).
    Levels are unrolled `max_steps` times (`keynode_funnel_max_steps`). The lookups are keyed by an
    integer user_number (a dense numbering of the distinct (funnel_key, user_key) pairs, joined once):
    integer keys make the per-level sorts about a quarter cheaper than the two string keys.

    The reported chain of a user-day starts at the latest node-1 event from which the maximum step is
    reachable; its step-k time is the earliest time any valid chain from that start reaches node k
    (= the greedy chain). That start survives every de-duplication (a later start with the same reach
    time would reach the same maximum step), so it is read off the surviving states.

    DuckDB runs the same semantics as one ordered pass per user instead (`duckdb__` below): the
    compiled Python function keynode_window_funnel_chains (keynode.udf.window_funnel, registered by the
    dbt-duckdb plugin in profiles.yml) over each user's events packed as epoch_us * 128 + node_step (one
    list per user, unordered: the function sorts it by that integer). At 10M events it replaces the
    levels, the best-chain search and the user numbering (about 8 s) with a 1 s pass. Var
    `keynode__funnel_portable_sql: true` makes DuckDB run the portable ladder (tests compare the two);
    Spark always runs it.

    Emits CTEs, each followed by a comma so the caller continues with its own; the caller reads only
    the last, `<prefix>user_days` (the others differ between the versions): one row per (funnel_key,
    user_key, funnel_date) with max_step_reached, entry_event_id, the `entry_columns` of the day's first
    node-1 event (ties: smallest event_id) and step_01_reached_at .. step_NN_reached_at.
-#}
{% macro keynode_window_funnel(events, window_minutes, max_steps, entry_columns=[], prefix='funnel_') -%}
{%- set max_steps = [max_steps | int, 2] | max -%}
{%- if max_steps > 90 -%}
    {{ exceptions.raise_compiler_error(
        'keynode_window_funnel: at most 90 steps (the chain rank step * 10^17 must fit a bigint), got '
        ~ max_steps
    ) }}
{%- endif -%}
{{ return(adapter.dispatch('keynode_window_funnel', 'keynode')(
    events, window_minutes, max_steps, entry_columns, prefix
)) }}
{%- endmacro %}

{% macro default__keynode_window_funnel(events, window_minutes, max_steps, entry_columns, prefix) -%}
{%- set keys = ['user_number'] -%}
{%- set chain_rank_unit = 100000000000000000 -%}
{%- set steps = [] -%}
{%- for step in range(1, max_steps + 1) -%}
    {%- do steps.append('%02d' | format(step)) -%}
{%- endfor -%}
{{ prefix }}users as (

    {{ keynode_funnel_user_numbers(events) }}

),

{{ prefix }}numbered_events as (

    select
        {{ prefix }}users.user_number,
        events.event_date,
        events.event_ts,
        events.node_step
    from {{ events }} as events
    inner join {{ prefix }}users
        on
            events.funnel_key = {{ prefix }}users.funnel_key
            and events.user_key = {{ prefix }}users.user_key
    where {{ keynode_shared_cte() }}

),

{{ prefix }}step_01 as (

    select
        user_number,
        event_date as start_date,
        event_ts as start_ts,
        event_ts as reach_ts
    from {{ prefix }}numbered_events
    where node_step = 1

),
{% for step in range(2, max_steps + 1) %}
{{ prefix }}node_{{ steps[step - 1] }}_events as (

    select
        user_number,
        event_ts
    from {{ prefix }}numbered_events
    where node_step = {{ step }}

),

{{ prefix }}step_{{ steps[step - 1] }}_candidates as (

    {{ keynode_funnel_next_event(
        states=prefix ~ 'step_' ~ steps[step - 2],
        events=prefix ~ 'node_' ~ steps[step - 1] ~ '_events',
        partition_by=keys,
        state_ts='reach_ts',
        state_columns=['start_date', 'start_ts']
    ) }}

),

{{ prefix }}step_{{ steps[step - 1] }} as (

    select
        user_number,
        start_date,
        max(start_ts) as start_ts,
        next_ts as reach_ts
    from {{ prefix }}step_{{ steps[step - 1] }}_candidates
    where next_ts <= start_ts + interval {{ window_minutes }} minute and {{ keynode_shared_cte() }}
    group by user_number, start_date, next_ts

),
{% endfor %}
{#- Only starts that reach node 2 need a chain; the others are read from the day entries. #}
{{ prefix }}chain_states as (

    select *
    from (
        {%- for step in range(2, max_steps + 1) %}
        {%- if not loop.first %}
        union all
        {%- endif %}
        select
            user_number,
            start_date,
            start_ts,
            {{ step }} as step,
            reach_ts
        from {{ prefix }}step_{{ steps[step - 1] }}
        {%- endfor %}
    ) as states
    where {{ keynode_shared_cte() }}

),

{#- The reported chain of each user and start date: the deepest level reached, then the latest start
    reaching it, as one integer maximum - step * 10^17 + the start in epoch microseconds (below 10^16
    in size for the years 1653 to 2286, so the step decides first) - instead of pivoting every start
    and ranking the pivoted rows: 10M events, 1.6M chains, about 1.5 s less. #}
{{ prefix }}best_starts as (

    select
        user_number,
        start_date,
        max(step) as steps_reached,
        max(step * {{ chain_rank_unit }} + {{ keynode_epoch_us('start_ts') }})
        - max(step) * {{ chain_rank_unit }} as start_epoch_us
    from {{ prefix }}chain_states
    group by user_number, start_date

),

{#- that start's state at each level is its greedy chain (it survives every de-duplication) #}
{{ prefix }}best_chains as (

    select
        {{ prefix }}best_starts.user_number,
        {{ prefix }}best_starts.start_date,
        {{ prefix }}best_starts.steps_reached,
        max({{ prefix }}chain_states.start_ts) as start_ts,
        {%- for step in range(2, max_steps + 1) %}
        max(
            case when {{ prefix }}chain_states.step = {{ step }} then {{ prefix }}chain_states.reach_ts end
        ) as step_{{ steps[step - 1] }}_reached_at
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ prefix }}best_starts
    inner join {{ prefix }}chain_states
        on
            {{ prefix }}best_starts.user_number = {{ prefix }}chain_states.user_number
            and {{ prefix }}best_starts.start_date = {{ prefix }}chain_states.start_date
            and {{ prefix }}best_starts.start_epoch_us
            = {{ keynode_epoch_us(prefix ~ 'chain_states.start_ts') }}
    group by
        {{ prefix }}best_starts.user_number,
        {{ prefix }}best_starts.start_date,
        {{ prefix }}best_starts.steps_reached

),

{{ prefix }}day_entries as (

    {{ keynode_funnel_day_entries(events, entry_columns) }}

),

{{ prefix }}user_days as (

    select
        {{ prefix }}day_entries.funnel_key,
        {{ prefix }}day_entries.user_key,
        {{ prefix }}day_entries.start_date as funnel_date,
        coalesce({{ prefix }}best_chains.steps_reached, 1) as max_step_reached,
        {{ prefix }}day_entries.entry_event_id,
        {%- for column in entry_columns %}
        {{ prefix }}day_entries.{{ column }},
        {%- endfor %}
        coalesce(
            {{ prefix }}best_chains.start_ts, {{ prefix }}day_entries.last_start_ts
        ) as step_01_reached_at,
        {%- for step in range(2, max_steps + 1) %}
        {{ prefix }}best_chains.step_{{ steps[step - 1] }}_reached_at
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ prefix }}day_entries
    inner join {{ prefix }}users
        on
            {{ prefix }}day_entries.funnel_key = {{ prefix }}users.funnel_key
            and {{ prefix }}day_entries.user_key = {{ prefix }}users.user_key
    left join {{ prefix }}best_chains
        on
            {{ prefix }}users.user_number = {{ prefix }}best_chains.user_number
            and {{ prefix }}day_entries.start_date = {{ prefix }}best_chains.start_date

),
{%- endmacro %}

{% macro duckdb__keynode_window_funnel(events, window_minutes, max_steps, entry_columns, prefix) -%}
{%- if var('keynode__funnel_portable_sql', false) -%}
    {{ return(default__keynode_window_funnel(events, window_minutes, max_steps, entry_columns, prefix)) }}
{%- endif -%}
{{ prefix }}chains as (

    -- per user, one struct per start day whose best chain reaches node 2 or further
    {{ keynode_funnel_user_pass(events, 'keynode_window_funnel_chains', window_minutes, max_steps, 'chain') }}

),

{{ prefix }}day_entries as (

    {{ keynode_funnel_day_entries(events, entry_columns) }}

),

{{ prefix }}user_days as (

    select
        {{ prefix }}day_entries.funnel_key,
        {{ prefix }}day_entries.user_key,
        {{ prefix }}day_entries.start_date as funnel_date,
        coalesce({{ prefix }}chains.chain.max_step_reached, 1) as max_step_reached,
        {{ prefix }}day_entries.entry_event_id,
        {%- for column in entry_columns %}
        {{ prefix }}day_entries.{{ column }},
        {%- endfor %}
        coalesce(
            {{ prefix }}chains.chain.step_reached_at[1], {{ prefix }}day_entries.last_start_ts
        ) as step_01_reached_at,
        {%- for step in range(2, max_steps + 1) %}
        {{ prefix }}chains.chain.step_reached_at[{{ step }}] as step_{{ '%02d' | format(step) }}_reached_at
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ prefix }}day_entries
    left join {{ prefix }}chains
        on
            {{ prefix }}day_entries.funnel_key = {{ prefix }}chains.funnel_key
            and {{ prefix }}day_entries.user_key = {{ prefix }}chains.user_key
            and {{ prefix }}day_entries.start_date = {{ prefix }}chains.chain.funnel_date

),
{%- endmacro %}
