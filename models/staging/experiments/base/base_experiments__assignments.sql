{#- Every landed experiment assignment, typed and checked, with its copy rank on assignment_id. -#}
{{ config(materialized='table') }}

{{ keynode_checked_raw_rows(
    'experiment_assignments',
    required=['assignment_id', 'experiment_key', 'device_id'],
    checks=[
        {'reason': 'malformed_timestamp', 'column': 'assigned_at', 'fails_when': 'typed.assigned_at is null'},
    ],
    key=['assignment_id'],
) }}
