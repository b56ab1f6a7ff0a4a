{#- Every landed experiment assignment, typed and checked, with its copy rank on assignment_id. -#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('experiments', 'experiment_assignments') }}

),

typed as (

    select
        {{ keynode_clean_id('assignment_id') }} as assignment_id,
        {{ keynode_clean_id('experiment_key') }} as experiment_key,
        {{ keynode_clean_id('variant') }} as variant,
        {{ keynode_clean_id('device_id') }} as device_id,
        {{ keynode_clean_id('user_id') }} as user_id,
        cast(assigned_at as timestamp) as assigned_at,
        cast(ingested_at as timestamp) as ingested_at,
        filename as raw_file,
        cast(file_row_number as bigint) as raw_row_number,
        cast(dt as date) as landed_date
    from source

),

checked as (

    select
        *,
        {{ keynode_first_failed_check([
            {'reason': 'missing_id', 'column': 'assignment_id', 'fails_when': 'assignment_id is null'},
            {'reason': 'missing_id', 'column': 'experiment_key', 'fails_when': 'experiment_key is null'},
            {'reason': 'missing_id', 'column': 'device_id', 'fails_when': 'device_id is null'},
            {'reason': 'missing_ingested_at', 'column': 'ingested_at', 'fails_when': 'ingested_at is null'},
            {'reason': 'malformed_timestamp', 'column': 'assigned_at', 'fails_when': 'assigned_at is null'},
        ]) }}
    from typed

),

final as (

    select
        *,
        {{ keynode_copy_rank(['assignment_id']) }}
    from checked

)

select * from final
