{%- set funnel = keynode_funnel_user_day_settings() -%}
{%- set entry_columns = ['channel_group', 'platform', 'is_new_user', 'member_tier'] -%}

{{ config(**keynode_funnel_user_day_config()) }}
{{ config(keynode_column_compression={'entry_event_id': 'uncompressed'}) }}

-- depends_on: {{ ref('funnel_nodes') }}

with

source_watermark as (

    select max(landed_date) as processed_landed_date
    from {{ ref('int_funnel_events') }}

),

{% if is_incremental() %}
{% if funnel.per_user_day %}
{{ keynode_funnel_affected_user_ranges(
    ref('int_funnel_events'), this, funnel.lookback_days, funnel.window_minutes
) }},

{% else %}
{#- The affected funnel dates (keynode_funnel_affected_dates: the chains that start from date(ts - W) up
    to the date of a recent row) are looked up first and read here as literals. -#}
{%- set affected_dates = keynode_funnel_affected_dates(
    ref('int_funnel_events'), this, funnel.lookback_days, funnel.window_minutes
) %}
{%- set last_read_date = keynode_funnel_read_until(affected_dates, funnel.window_minutes) %}
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
    {%- if funnel.per_user_day %}
    inner join affected_user_ranges
        on
            funnel_events.funnel_key = affected_user_ranges.funnel_key
            and funnel_events.user_key = affected_user_ranges.user_key
    where
        funnel_events.event_date >= affected_user_ranges.first_date
        and (
            (funnel_events.node_step = 1 and funnel_events.event_date <= affected_user_ranges.last_date)
            or (
                funnel_events.node_step between 2 and {{ funnel.max_steps }}
                and funnel_events.event_date
                <= {{ dbt.dateadd('day', funnel.continuation_days, 'affected_user_ranges.last_date') }}
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
            funnel_events.node_step between 2 and {{ funnel.max_steps }}
            and funnel_events.event_date >= cast('{{ affected_dates[0] }}' as date)
            and funnel_events.event_date <= cast('{{ last_read_date }}' as date)
        )
    {%- else %}
    where false
    {%- endif %}

),

    {{ keynode_window_funnel('funnel_events', funnel.window_minutes, funnel.max_steps, entry_columns) }}
{%- else %}
    {#- Full build: read the relation itself (a CTE read 17 times would be materialized first). #}
    {{ keynode_window_funnel(
        ref('int_funnel_events'), funnel.window_minutes, funnel.max_steps, entry_columns
    ) }}
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
        {%- for step in range(1, funnel.max_steps + 1) %}
            funnel_user_days.step_{{ '%02d' | format(step) }}_reached_at,
        {%- endfor %}
        source_watermark.processed_landed_date
    from funnel_user_days
    cross join source_watermark

)

select * from final
