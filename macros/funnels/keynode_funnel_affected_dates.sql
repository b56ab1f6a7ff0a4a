{#-
    The funnel dates an incremental run of int_funnel_user_days must recompute, looked up before the
    model's query runs (a list of 'YYYY-MM-DD' strings, ascending; empty when nothing is affected).
    `events` is int_funnel_events, `processed` the model's own relation. The rule is the model's: the
    events that landed within var keynode__lookback_days of the newest landing date already processed
    (all events when none is) can change the chains that start from date(event_ts - W) up to their own
    date; the affected funnel dates are the node-1 event dates in those ranges.
    Used on Spark, where the model then reads those dates as literals: the same rows as joining the
    lookup into the model, but a plan Spark optimises like the full build's (with the lookup joined in,
    the incremental run took three times as long as a full build).
-#}
{% macro keynode_funnel_affected_dates(events, processed, lookback_days, window_minutes) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set lookup -%}
        with

        {{ keynode_funnel_recent_events(events, processed, lookback_days, ['event_ts', 'event_date']) }},

        affected_date_ranges as (
            select distinct
                cast(event_ts - interval {{ window_minutes }} minute as date) as first_start_date,
                event_date as last_start_date
            from recent_events
        )

        select distinct funnel_events.event_date as funnel_date
        from {{ events }} as funnel_events
        inner join affected_date_ranges
            on
                funnel_events.event_date >= affected_date_ranges.first_start_date
                and funnel_events.event_date <= affected_date_ranges.last_start_date
        where funnel_events.node_step = 1
        order by funnel_date
    {%- endset -%}
    {%- set dates = [] -%}
    {%- for row in run_query(lookup).rows -%}
        {%- do dates.append((row[0] | string)[:10]) -%}
    {%- endfor -%}
    {{ return(dates) }}
{%- endmacro %}
