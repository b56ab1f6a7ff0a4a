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

daily as (

    select
        exposure_date as date_day,
        count(*) as exposure_rows,
        count_if(ingested_at > {{ dbt.dateadd('hour', deadline_hours, 'exposure_date') }}) as late_landed_rows
    from exposures
    group by exposure_date

),

days as (

    {{ keynode_profile_days('daily') }}

),

final as (

    select
        days.date_day,
        {{ keynode_zero_filled('daily', ['exposure_rows', 'late_landed_rows']) }},
        {{ keynode_late_landing_columns('daily.late_landed_rows', 'daily.exposure_rows', deadline_hours) }}
    from days
    left join daily
        on days.date_day = daily.date_day

)

select * from final
