{#- Every landed order-header version, typed and checked, with its copy rank on (order_id, updated_at). -#}
{{ config(materialized='table') }}

{{ keynode_checked_raw_rows(
    'orders',
    required=['order_id', 'updated_at'],
    checks=[
        {'reason': 'malformed_timestamp', 'column': 'created_at', 'fails_when': 'typed.created_at is null'},
    ],
    key=['order_id', 'updated_at'],
) }}
