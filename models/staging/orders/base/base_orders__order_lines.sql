{#- Every landed order line, typed and checked, with its copy rank on (order_id, line_number). -#}
{{ config(materialized='table') }}

{{ keynode_checked_raw_rows(
    'order_lines',
    required=['order_id', 'line_number', 'sku_id'],
    checks=[
        {'reason': 'invalid_quantity', 'column': 'quantity',
         'fails_when': 'typed.quantity = 0 or abs(typed.quantity) > ' ~ var('keynode__max_quantity')
            ~ (' or typed.quantity < 0' if not var('keynode__allow_negative_order_quantity') else '')},
        {'reason': 'invalid_price', 'column': 'unit_price',
         'fails_when': 'typed.unit_price < 0 or typed.unit_price > ' ~ var('keynode__max_unit_price')},
        {'reason': 'invalid_price', 'column': 'discount_amount',
         'fails_when': 'typed.discount_amount < 0'},
    ],
    key=['order_id', 'line_number'],
    known_skus=true,
) }}
