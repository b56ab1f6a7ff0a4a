{#-
    Every landed replenishment-order change record, typed and checked, with its copy rank on
    (po_id, status).
-#}
{{ config(materialized='table') }}

{{ keynode_checked_raw_rows(
    'replenishment_orders',
    required=['po_id', 'sku_id', 'status'],
    checks=[
        {'reason': 'invalid_quantity', 'column': 'quantity_ordered',
         'fails_when': 'typed.quantity_ordered <= 0 or typed.quantity_ordered > '
             ~ var('keynode__max_po_quantity')},
        {'reason': 'invalid_quantity', 'column': 'quantity_received',
         'fails_when': 'typed.quantity_received < 0'},
    ],
    key=['po_id', 'status'],
    known_skus=true,
) }}
