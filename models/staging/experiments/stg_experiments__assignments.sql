{#- Valid experiment assignments, one row per assignment_id. -#}
with

checked as (

    select * from {{ ref('base_experiments__assignments') }}
    where quarantine_reason is null and copy_rank = 1

),

final as (

    select
        assignment_id,
        experiment_key,
        variant,
        device_id,
        user_id,
        assigned_at,
        cast(assigned_at as date) as assigned_date,
        ingested_at,
        landed_date
    from checked

)

select * from final
