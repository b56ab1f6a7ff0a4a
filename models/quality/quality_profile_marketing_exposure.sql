{#-
    Marketing exposure rows (stg_marketing__exposures) per exposure date, from the first exposure date
    to the later of the last one and the last event day: a day the export missed is a row of zeros.
    `keynode check` (suite marketing_exposure) checks the volume against its history and the share
    landed after the freshness deadline.
-#}
{%- set deadline_hours = keynode_freshness_deadline_hours('marketing_exposure') %}
{#- the day counts, 0 on a day with no rows -#}
{%- set counts = ['exposure_rows', 'late_landed_rows'] %}

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

{{ keynode_profile_final(counts, late_landing=('late_landed_rows', 'exposure_rows', deadline_hours)) }}
