{#- Every landed inventory snapshot row, typed and checked, with its copy rank on the grain key. -#}
{{ config(materialized='table') }}

{{ keynode_checked_raw_rows(
    'inventory_snapshots',
    required=['snapshot_date', 'sku_id', 'warehouse_id'],
    checks=[
        {'reason': 'invalid_quantity', 'column': 'on_hand', 'fails_when': 'typed.on_hand < 0'},
        {'reason': 'invalid_quantity', 'column': 'reserved', 'fails_when': 'typed.reserved < 0'},
        {'reason': 'invalid_quantity', 'column': 'inbound', 'fails_when': 'typed.inbound < 0'},
    ],
    key=['snapshot_date', 'sku_id', 'warehouse_id'],
    known_skus=true,
) }}
