{%- set window_minutes = var('keynode__conversion_window_minutes') | int -%}
{%- set lookback_days = var('keynode__lookback_days') | int -%}
{%- set max_steps = keynode_funnel_max_steps() -%}
{#- A chain started on day d can use events up to d + 1 day + W: days read past the last affected date. -#}
{%- set continuation_days = (window_minutes / 1440) | round(0, 'ceil') | int + 1 -%}
{%- set entry_columns = ['channel_group', 'platform', 'is_new_user', 'member_tier'] -%}
{#- DuckDB replaces single user-days (delete+insert); Spark overwrites whole funnel_date partitions. -#}
{%- set per_user_day = target.type != 'spark' -%}
{#- rendered when the hook runs: `this` and the ref are the built relations -#}
{%- set orphan_delete = ["{{ keynode_funnel_delete_orphan_user_days(this, ref('int_funnel_events')) }}"] -%}

{{
    config(
        materialized='incremental',
        incremental_strategy=keynode_incremental_strategy(),
        unique_key=(['funnel_key', 'user_key', 'funnel_date'] if per_user_day else 'funnel_date'),
        partition_by=(['funnel_date'] if target.type == 'spark' else none),
        file_format=('parquet' if target.type == 'spark' else none),
        on_schema_change='append_new_columns',
        pre_hook=keynode_funnel_session_settings(),
        post_hook=[keynode_funnel_session_settings(reset=true)] + (orphan_delete if per_user_day else []),
    )
}}

-- depends_on: {{ ref('funnel_nodes') }}

with

source_watermark as (

    select max(landed_date) as processed_landed_date
    from {{ ref('int_funnel_events') }}

),

{% if is_incremental() %}
{% if per_user_day %}
{{ keynode_funnel_recent_events(
    ref('int_funnel_events'), this, lookback_days, ['funnel_key', 'user_key', 'event_ts', 'event_date']
) }},

-- a row can change the chains of its own user that start from date(ts - W) up to its own date: per
-- (funnel, user) the range of such start dates (recomputing an unchanged user-day inside it is harmless)
affected_user_ranges as (

    select
        funnel_key,
        user_key,
        min(cast(event_ts - interval {{ window_minutes }} minute as date)) as first_date,
        max(event_date) as last_date
    from recent_events
    group by funnel_key, user_key

),

{% else %}
{#- The affected funnel dates (keynode_funnel_affected_dates: the chains that start from date(ts - W) up
    to the date of a recent row) are looked up first and read here as literals. -#}
{%- set affected_dates = keynode_funnel_affected_dates(
    ref('int_funnel_events'), this, lookback_days, window_minutes
) %}
{%- set last_read_date = (
    modules.datetime.date.fromisoformat(affected_dates[-1])
    + modules.datetime.timedelta(days=continuation_days)
).isoformat() if affected_dates else none %}
{% endif %}
-- the node-1 events of the affected user-days (DuckDB) or dates (Spark), and every event their chains
-- can use
funnel_events as (

    select
        funnel_events.funnel_key,
        funnel_events.user_key,
        funnel_events.event_id,
        funnel_events.event_ts,
        funnel_events.event_date,
        funnel_events.node_step,
        {%- for column in entry_columns %}
            funnel_events.{{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('int_funnel_events') }} as funnel_events
    {%- if per_user_day %}
    inner join affected_user_ranges
        on
            funnel_events.funnel_key = affected_user_ranges.funnel_key
            and funnel_events.user_key = affected_user_ranges.user_key
    where
        funnel_events.event_date >= affected_user_ranges.first_date
        and (
            (funnel_events.node_step = 1 and funnel_events.event_date <= affected_user_ranges.last_date)
            or (
                funnel_events.node_step between 2 and {{ max_steps }}
                and funnel_events.event_date
                <= {{ dbt.dateadd('day', continuation_days, 'affected_user_ranges.last_date') }}
            )
        )
    {%- elif affected_dates %}
    where
        (
            funnel_events.node_step = 1
            and funnel_events.event_date in (
                {%- for d in affected_dates %}
                cast('{{ d }}' as date){{ ',' if not loop.last }}
                {%- endfor %}
            )
        )
        or (
            funnel_events.node_step between 2 and {{ max_steps }}
            and funnel_events.event_date >= cast('{{ affected_dates[0] }}' as date)
            and funnel_events.event_date <= cast('{{ last_read_date }}' as date)
        )
    {%- else %}
    where false
    {%- endif %}

),

    {{ keynode_window_funnel('funnel_events', window_minutes, max_steps, entry_columns) }}
{%- else %}
    {#- Full build: read the relation itself (a CTE read 17 times would be materialized first). #}
    {{ keynode_window_funnel(ref('int_funnel_events'), window_minutes, max_steps, entry_columns) }}
{%- endif %}

final as (

    select
        funnel_user_days.funnel_key,
        funnel_user_days.funnel_date,
        funnel_user_days.user_key,
        funnel_user_days.max_step_reached,
        {%- for column in entry_columns %}
            funnel_user_days.{{ column }},
        {%- endfor %}
        funnel_user_days.entry_event_id,
        {%- for step in range(1, max_steps + 1) %}
            funnel_user_days.step_{{ '%02d' | format(step) }}_reached_at,
        {%- endfor %}
        source_watermark.processed_landed_date
    from funnel_user_days
    cross join source_watermark

)

select * from final
