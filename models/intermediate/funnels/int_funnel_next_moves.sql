{#-
    Where each funnel user-day goes next from every node it reaches: one row per (funnel_key,
    funnel_date, user_key, node_step) with the step of the user's next funnel event after the node-k
    event of the reported chain, or NULL (exit) when there is none within the chain's window (doc
    key_signal_next_move). fct_node_key_signals counts these rows; keeping them per user-day lets a
    daily run recompute only the user-days new events touch, by the rule int_funnel_user_days uses
    (doc funnel_incremental): a user's event at ts changes the moves of its chains that start from
    date(ts - W) to date(ts), and nothing else.

    The lookup is keynode_funnel_next_moves: on DuckDB the funnel's per-user pass over the events, which
    reports every start day it sees (final keeps the user-days this run recomputes); elsewhere a
    sort-merge lookup over the stored user-days (keynode_funnel_user_days_to_recompute).
-#}
{%- set funnel = keynode_funnel_user_day_settings() -%}
{%- set affected_dates = [] -%}

{{ config(**keynode_funnel_user_day_config()) }}

with

source_watermark as (

    select max(landed_date) as processed_landed_date
    from {{ ref('int_funnel_events') }}

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

{{ keynode_funnel_next_moves(
    keynode_funnel_user_days_to_recompute(funnel.per_user_day, affected_dates),
    'funnel_events',
    ref('funnel_nodes'),
    funnel.window_minutes,
    funnel.max_steps
) }}

final as (

    select
        funnel_moves.funnel_key,
        funnel_moves.funnel_date,
        funnel_moves.user_key,
        funnel_moves.node_step,
        funnel_moves.next_node_step,
        source_watermark.processed_landed_date
    from funnel_moves
    cross join source_watermark
    {%- if is_incremental() and funnel.per_user_day %}
    -- the user-days this run recomputes (the pass also reports later start days it read events of)
    inner join affected_user_ranges
        on
            funnel_moves.funnel_key = affected_user_ranges.funnel_key
            and funnel_moves.user_key = affected_user_ranges.user_key
            and funnel_moves.funnel_date >= affected_user_ranges.first_date
            and funnel_moves.funnel_date <= affected_user_ranges.last_date
    {%- endif %}

)

select * from final
