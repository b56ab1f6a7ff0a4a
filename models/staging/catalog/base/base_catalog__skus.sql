{#-
    Every landed catalogue row, typed and checked. The catalogue lands as full snapshots, so for a SKU
    the newest snapshot row is kept (copy_rank 1) and older ones count as superseded copies.
-#}
{{ config(materialized='table') }}

{{ keynode_checked_raw_rows(
    'sku_catalog',
    required=['sku_id'],
    checks=[
        {'reason': 'invalid_price', 'column': 'list_price',
         'fails_when': 'typed.list_price < 0 or typed.list_price > ' ~ var('keynode__max_unit_price')},
    ],
    key=['sku_id'],
    newest_first=true,
) }}
