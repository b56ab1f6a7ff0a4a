{#-
    Data-quality counts per funnel node and event day: the node's events (seed funnel_node_events),
    how many were ingested late (stg_events__events.is_late: more than keynode__late_event_minutes
    after they happened), how many UTC hours of the day the events source delivered anything, and the
    sessions that landed on one of the node's events with how many bounced (int_sessions.is_bounce).
-#}
{#- per node and day, rows and flagged rows of two sources: the node's events (late), the sessions that
    landed on one of its events (bounced) -#}
{%- set node_day_counts = [
    {'cte': 'node_event_counts', 'rows': 'events', 'event': 'event_name', 'day': 'event_date',
     'counted': 'node_events', 'flag': 'is_late', 'flagged': 'late_events'},
    {'cte': 'node_bounces', 'rows': 'sessions', 'event': 'landing_event_name', 'day': 'session_date',
     'counted': 'landing_sessions', 'flag': 'is_bounce', 'flagged': 'bounced_sessions'},
] %}

with

node_events as (

    select * from {{ ref('funnel_node_events') }}

),

nodes as (

    select * from {{ ref('funnel_nodes') }}

),

event_nodes as (

    -- the funnel nodes each event name counts for
    select
        node_events.event_name,
        nodes.funnel_key,
        nodes.node_step
    from node_events
    inner join nodes on node_events.funnel_key = nodes.funnel_key and node_events.node_key = nodes.node_key

),

events as (

    select
        event_name,
        event_date,
        event_ts,
        is_late
    from {{ ref('stg_events__events') }}

),

sessions as (

    select
        session_date,
        landing_event_name,
        is_bounce
    from {{ ref('int_sessions') }}

),

source_hours as (

    select
        event_date,
        count(distinct extract(hour from event_ts)) as source_hours_present
    from events
    group by event_date

),

{% for counts in node_day_counts %}
    {{ counts.cte }} as (

        select
            event_nodes.funnel_key,
            event_nodes.node_step,
            {{ counts.rows }}.{{ counts.day }} as event_date,
            count(*) as {{ counts.counted }},
            count_if({{ counts.rows }}.{{ counts.flag }}) as {{ counts.flagged }}
        from {{ counts.rows }}
        inner join event_nodes on {{ counts.rows }}.{{ counts.event }} = event_nodes.event_name
        group by event_nodes.funnel_key, event_nodes.node_step, {{ counts.rows }}.{{ counts.day }}

    ),

{% endfor %}
final as (

    select
        cast(node_event_counts.funnel_key as {{ dbt.type_string() }}) as funnel_key,
        cast(node_event_counts.node_step as integer) as node_step,
        cast(node_event_counts.event_date as date) as event_date,
        cast(node_event_counts.node_events as bigint) as node_events,
        cast(node_event_counts.late_events as bigint) as late_events,
        cast(coalesce(source_hours.source_hours_present, 0) as integer) as source_hours_present,
        cast(coalesce(node_bounces.landing_sessions, 0) as bigint) as landing_sessions,
        cast(coalesce(node_bounces.bounced_sessions, 0) as bigint) as bounced_sessions
    from node_event_counts
    left join source_hours on node_event_counts.event_date = source_hours.event_date
    left join node_bounces
        on
            node_event_counts.funnel_key = node_bounces.funnel_key
            and node_event_counts.node_step = node_bounces.node_step
            and node_event_counts.event_date = node_bounces.event_date

)

select * from final
