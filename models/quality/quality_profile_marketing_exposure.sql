{#-
    Marketing exposure rows (stg_marketing__exposures) per exposure date, from the first exposure date
    to the later of the last one and the last event day: a day the export missed is a row of zeros.
    `keynode check` (suite marketing_exposure) checks the volume against its history and the share
    landed after the freshness deadline.
-#}
{%- set deadline_hours = keynode_freshness_deadline_hours('marketing_exposure') %}

with

exposures as (

    select
        exposure_date,
        ingested_at
    from {{ ref('stg_marketing__exposures') }}

),

event_days as (

    select max(event_date) as last_event_day
    from {{ ref('stg_events__events') }}

),

daily as (

    select
        exposure_date as date_day,
        count(*) as exposure_rows,
        count_if(ingested_at > {{ dbt.dateadd('hour', deadline_hours, 'exposure_date') }}) as late_landed_rows
    from exposures
    group by exposure_date

),

bounds as (

    select
        min(daily.date_day) as first_day,
        greatest(max(daily.date_day), max(event_days.last_event_day)) as last_day
    from daily
    cross join event_days

),

days as (

    {{ keynode_day_spine('bounds', 'bounds.first_day', 'bounds.last_day') }}

),

final as (

    select
        days.date_day,
        coalesce(daily.exposure_rows, 0) as exposure_rows,
        coalesce(daily.late_landed_rows, 0) as late_landed_rows,
        {{ keynode_share('daily.late_landed_rows', 'daily.exposure_rows') }} as late_landing_share,
        {{ deadline_hours }} as deadline_hours,
        cast({{ var('keynode__quality_late_landing_share_max') }} as double) as late_landing_share_max
    from days
    left join daily
        on days.date_day = daily.date_day

)

select * from final
