{#-
    For every row of the CTE/relation `states`, the earliest `event_ts` of the CTE/relation
    `events` in the same partition (`partition_by`, columns present in both) at or after the state's
    `state_ts` (ties count: an event at exactly `state_ts` qualifies). Returns a select of
    `partition_by`, `state_columns` and `next_ts`; states with no such event are dropped, or kept with
    a NULL next_ts when `keep_unmatched` is true. `value_type` is the SQL type of `state_ts` and
    event_ts (any ordered type: a timestamp, or an integer sort key).

    This is the one step of the windowed funnel that benefits from an engine feature: DuckDB has an
    ASOF join (a sort-merge lookup). The portable version merges both inputs into one sorted stream and
    takes a running minimum from each state forward (states sort before events at equal timestamps so
    that the frame `current row .. unbounded following` includes those events).
    Var `keynode__funnel_portable_sql: true` makes DuckDB run the portable version (tests use it).
-#}
{% macro keynode_funnel_next_event(
    states, events, partition_by, state_ts, state_columns, value_type='timestamp', keep_unmatched=false
) -%}
    {{ return(adapter.dispatch('keynode_funnel_next_event', 'keynode')(
        states, events, partition_by, state_ts, state_columns, value_type, keep_unmatched
    )) }}
{%- endmacro %}

{% macro default__keynode_funnel_next_event(
    states, events, partition_by, state_ts, state_columns, value_type='timestamp', keep_unmatched=false
) -%}
    select
        {% for column in partition_by %}{{ column }},
        {% endfor %}{% for column in state_columns %}{{ column }},
        {% endfor %}next_ts
    from (
        select
            *,
            min(candidate_ts) over (
                partition by {{ partition_by | join(', ') }}
                order by merged_ts, row_kind
                rows between current row and unbounded following
            ) as next_ts
        from (
            select
                {% for column in partition_by %}{{ column }},
                {% endfor %}{% for column in state_columns %}{{ column }},
                {% endfor %}{{ state_ts }} as merged_ts,
                0 as row_kind,
                cast(null as {{ value_type }}) as candidate_ts
            from {{ states }}
            union all
            select
                {% for column in partition_by %}{{ column }},
                {% endfor %}{% for column in state_columns %}null as {{ column }},
                {% endfor %}event_ts as merged_ts,
                1 as row_kind,
                event_ts as candidate_ts
            from {{ events }}
        ) as merged
    ) as scanned
    where row_kind = 0{% if not keep_unmatched %} and next_ts is not null{% endif %}
{%- endmacro %}

{% macro duckdb__keynode_funnel_next_event(
    states, events, partition_by, state_ts, state_columns, value_type='timestamp', keep_unmatched=false
) -%}
    {%- if var('keynode__funnel_portable_sql', false) -%}
        {{ return(default__keynode_funnel_next_event(
            states, events, partition_by, state_ts, state_columns, value_type, keep_unmatched
        )) }}
    {%- endif -%}
    select
        {% for column in partition_by %}states.{{ column }},
        {% endfor %}{% for column in state_columns %}states.{{ column }},
        {% endfor %}events.event_ts as next_ts
    from {{ states }} as states
    asof {{ 'left' if keep_unmatched else 'inner' }} join {{ events }} as events
        on {% for column in partition_by %}states.{{ column }} = events.{{ column }}
        and {% endfor %}states.{{ state_ts }} <= events.event_ts
{%- endmacro %}
