{#- Valid end-of-day stock, one row per (snapshot_date, sku_id, warehouse_id). -#}
{{ keynode_staged_rows('inventory_snapshots', replace={
    'reserved': ['reserved', 'on_hand - reserved as available'],
}) }}
