{#- Valid order lines, one row per (order_id, line_number). -#}
{{ keynode_staged_rows('order_lines', replace={
    'discount_amount': [
        'coalesce(discount_amount, 0) as discount_amount',
        'quantity * unit_price - coalesce(discount_amount, 0) as line_amount',
        'quantity < 0 as is_return',
    ],
}) }}
