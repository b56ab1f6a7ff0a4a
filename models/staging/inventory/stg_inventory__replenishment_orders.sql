{#-
    Valid replenishment-order change records, one row per (po_id, status). `is_current_version`
    marks the newest record of each PO (the received record once it has arrived).
-#}
{{ keynode_staged_rows('replenishment_orders', replace={
    'updated_at': [
        'updated_at',
        'row_number() over (partition by po_id order by updated_at desc, ingested_at desc) = 1'
        ~ ' as is_current_version',
    ],
}) }}
