{#-
    Experiment assignments (stg_experiments__assignments) per assignment day, from the first to the
    later of the last one and the last event day. `keynode check` (suite experiment_assignments)
    checks the volume against its history, the share landed after the freshness deadline, that a
    device is assigned to an experiment once, and the rules below.
-#}
{%- set deadline_hours = keynode_freshness_deadline_hours('experiment_assignments') %}
{#- the day counts, 0 on a day with no rows -#}
{%- set counts = ['assignments', 'reassigned_devices', 'invalid_rows', 'late_landed_rows'] %}
{%- set skew_seconds = var('keynode__clock_skew_tolerance_seconds') | int %}

with

assignments as (

    select
        assignment_id,
        experiment_key,
        variant,
        device_id,
        assigned_at,
        assigned_date,
        ingested_at
    from {{ ref('stg_experiments__assignments') }}

),

ranked_assignments as (

    select
        assignments.*,
        row_number() over (
            partition by assignments.experiment_key, assignments.device_id
            order by assignments.assigned_at, assignments.assignment_id
        ) as device_assignment_rank,
        {{ dbt.dateadd('second', -skew_seconds, 'assignments.assigned_at') }} as earliest_valid_ingestion
    from assignments

),

daily as (

    select
        assigned_date as date_day,
        count(*) as assignments,
        count_if(device_assignment_rank > 1) as reassigned_devices,
        count_if(
            variant not in ('control', 'treatment')
            or ingested_at < earliest_valid_ingestion
        ) as invalid_rows,
        count_if(ingested_at > {{ dbt.dateadd('hour', deadline_hours, 'assigned_date') }}) as late_landed_rows
    from ranked_assignments
    group by assigned_date

),

{{ keynode_profile_final(counts, late_landing=('late_landed_rows', 'assignments', deadline_hours)) }}
