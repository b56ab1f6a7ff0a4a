{#-
    Where each funnel user-day goes next from every node it reaches: one row per (funnel_key,
    funnel_date, user_key, node_step) with the step of the user's next funnel event after the node-k
    event of the reported chain, or NULL (exit) when there is none within the chain's window (doc
    key_signal_next_move). fct_node_key_signals counts these rows; keeping them per user-day lets a
    daily run recompute only the user-days new events touch, by the rule int_funnel_user_days uses
    (doc funnel_incremental): a user's event at ts changes the moves of its chains that start from
    date(ts - W) to date(ts), and nothing else.

    The lookup: reach points and events become integer sort keys (epoch ms * 100 + node_step); the next
    event after reaching node k at time t is the event with the smallest key above t * 100 + k (an event
    at the same millisecond and node is the reaching one, not a move), searched from that key + 1, per
    compact user number (an integer sorts far cheaper than two strings).
-#}
{%- set funnel = keynode_funnel_user_day_settings() -%}

{{ config(**keynode_funnel_user_day_config()) }}

with

source_watermark as (

    select max(landed_date) as processed_landed_date
    from {{ ref('int_funnel_events') }}

),

nodes as (

    select
        funnel_key,
        node_step
    from {{ ref('funnel_nodes') }}

),

{% if is_incremental() and funnel.per_user_day %}
{{ keynode_funnel_affected_user_ranges(
    ref('int_funnel_events'), this, funnel.lookback_days, funnel.window_minutes
) }},

{% elif is_incremental() %}
{#- Spark: the affected funnel dates of int_funnel_user_days (keynode_funnel_affected_dates), whole. -#}
{%- set affected_dates = keynode_funnel_affected_dates(
    ref('int_funnel_events'), this, funnel.lookback_days, funnel.window_minutes
) %}
{%- set read_until = keynode_funnel_read_until(affected_dates, funnel.window_minutes) %}
{% endif %}
-- the user-days to (re)compute: all (full build), the affected user-days (DuckDB) or dates (Spark)
user_days as (

    select user_days.*
    from {{ ref('int_funnel_user_days') }} as user_days
    {%- if is_incremental() and funnel.per_user_day %}
    inner join affected_user_ranges
        on
            user_days.funnel_key = affected_user_ranges.funnel_key
            and user_days.user_key = affected_user_ranges.user_key
    where
        user_days.funnel_date >= affected_user_ranges.first_date
        and user_days.funnel_date <= affected_user_ranges.last_date
    {%- elif is_incremental() %}
    where
        {%- if affected_dates %}
        user_days.funnel_date in (
            {%- for d in affected_dates %}
            cast('{{ d }}' as date){{ ',' if not loop.last }}
            {%- endfor %}
        )
        {%- else %}
        false
        {%- endif %}
    {%- endif %}

),

-- the events their windows can hold
funnel_events as (

    select
        funnel_events.funnel_key,
        funnel_events.user_key,
        funnel_events.event_ts,
        funnel_events.node_step
    from {{ ref('int_funnel_events') }} as funnel_events
    {%- if is_incremental() and funnel.per_user_day %}
    inner join affected_user_ranges
        on
            funnel_events.funnel_key = affected_user_ranges.funnel_key
            and funnel_events.user_key = affected_user_ranges.user_key
    where
        funnel_events.event_date >= affected_user_ranges.first_date
        and funnel_events.event_date
        <= {{ dbt.dateadd('day', funnel.continuation_days, 'affected_user_ranges.last_date') }}
    {%- elif is_incremental() %}
    where
        {%- if affected_dates %}
        funnel_events.event_date >= cast('{{ affected_dates[0] }}' as date)
        and funnel_events.event_date <= cast('{{ read_until }}' as date)
        {%- else %}
        false
        {%- endif %}
    {%- endif %}

),

-- one row per user-day and node it reached, at the reported chain's time of that node
reached as (

    select
        user_days.funnel_key,
        user_days.funnel_date,
        user_days.user_key,
        nodes.node_step,
        case nodes.node_step
            {%- for step in range(1, funnel.max_steps + 1) %}
                when {{ step }} then user_days.step_{{ '%02d' | format(step) }}_reached_at
            {%- endfor %}
        end as reached_at,
        user_days.step_01_reached_at + interval {{ funnel.window_minutes }} minute as window_end_at
    from user_days
    inner join nodes
        on user_days.funnel_key = nodes.funnel_key and user_days.max_step_reached >= nodes.node_step

),

users as (

    {{ keynode_funnel_user_numbers('user_days') }}

),

-- reach points and events as integer sort keys (only users with a user-day here are read further)
reach_points as (

    select
        users.user_number,
        reached.funnel_key,
        reached.funnel_date,
        reached.user_key,
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

-- every reach point with the key of the user's next funnel event (NULL: none)
next_keys as (

    {{ keynode_funnel_next_event(
        states='reach_points',
        events='event_keys',
        partition_by=['user_number'],
        state_ts='search_key',
        state_columns=['funnel_key', 'funnel_date', 'user_key', 'reached_step', 'window_end_key'],
        value_type='bigint',
        keep_unmatched=true
    ) }}

),

final as (

    select
        next_keys.funnel_key,
        next_keys.funnel_date,
        next_keys.user_key,
        next_keys.reached_step as node_step,
        case
            when next_keys.next_ts <= next_keys.window_end_key then cast(next_keys.next_ts % 100 as integer)
        end as next_node_step,
        source_watermark.processed_landed_date
    from next_keys
    cross join source_watermark

)

select * from final
