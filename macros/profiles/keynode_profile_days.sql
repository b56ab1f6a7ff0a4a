{#- The day spine of a data-quality profile: a select of one column `date_day`, one row per day from the
    first day of `relation` to the later of its last day and the last event day (stg_events__events),
    so a source that stopped landing shows as days of zeros up to today's data. -#}
{% macro keynode_profile_days(relation, date_column='date_day') -%}
    {%- set bounds -%}
        (
            select
                min(profiled.{{ date_column }}) as first_day,
                greatest(max(profiled.{{ date_column }}), max(event_days.last_event_day)) as last_day
            from {{ relation }} as profiled
            cross join (
                select max(event_date) as last_event_day
                from {{ ref('stg_events__events') }}
            ) as event_days
        ) as bounds
    {%- endset -%}
    {{ keynode_day_spine(bounds, 'bounds.first_day', 'bounds.last_day') }}
{%- endmacro %}
