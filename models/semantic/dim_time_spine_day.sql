{#-
    MetricFlow's time spine: one row per calendar day from keynode__events_source_start (the earliest
    plausible event day) for 20 years. The semantic layer joins metrics to it for metric_time.
-#}
with

bounds as (

    {%- set first_day = "cast('" ~ var('keynode__events_source_start') ~ "' as date)" %}
    select
        {{ first_day }} as first_day,
        cast({{ dbt.dateadd('year', 20, first_day) }} as date) as last_day

),

days as (

    {{ keynode_day_spine('bounds', 'first_day', 'last_day') }}

),

final as (

    select date_day
    from days

)

select * from final
