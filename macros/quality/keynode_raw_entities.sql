{#-
    The registry of raw-zone entities: for each, its dbt source, the base model that checks every
    landed row, the staging model that keeps valid first copies, and the raw columns kept (as JSON)
    on quarantined rows. fct_quarantined_rows and fct_raw_row_accounting are generated from it, so a
    new entity is added here once.
-#}
{% macro keynode_raw_entities() -%}
    {{ return([
        {'entity': 'events', 'source': 'events', 'base': 'base_events__events',
         'staged': 'stg_events__events',
         'columns': ['event_id', 'device_id', 'user_id', 'event_name', 'event_time_raw', 'ingested_at',
                     'sku_id', 'price', 'quantity', 'properties']},
        {'entity': 'marketing_exposure', 'source': 'marketing', 'base': 'base_marketing__exposures',
         'staged': 'stg_marketing__exposures',
         'columns': ['exposure_date', 'channel', 'campaign_id', 'sku_id', 'impressions', 'clicks', 'spend']},
        {'entity': 'inventory_snapshots', 'source': 'inventory', 'base': 'base_inventory__snapshots',
         'staged': 'stg_inventory__snapshots',
         'columns': ['snapshot_date', 'sku_id', 'warehouse_id', 'on_hand', 'reserved', 'inbound']},
        {'entity': 'replenishment_orders', 'source': 'inventory',
         'base': 'base_inventory__replenishment_orders',
         'staged': 'stg_inventory__replenishment_orders',
         'columns': ['po_id', 'sku_id', 'warehouse_id', 'status', 'ordered_date', 'quantity_ordered',
                     'quantity_received']},
        {'entity': 'orders', 'source': 'orders', 'base': 'base_orders__orders',
         'staged': 'stg_orders__orders',
         'columns': ['order_id', 'user_id', 'device_id', 'status', 'created_at', 'paid_at', 'updated_at']},
        {'entity': 'order_lines', 'source': 'orders', 'base': 'base_orders__order_lines',
         'staged': 'stg_orders__order_lines',
         'columns': ['order_id', 'line_number', 'sku_id', 'quantity', 'unit_price', 'discount_amount']},
        {'entity': 'experiment_assignments', 'source': 'experiments', 'base': 'base_experiments__assignments',
         'staged': 'stg_experiments__assignments',
         'columns': ['assignment_id', 'experiment_key', 'variant', 'device_id', 'assigned_at']},
        {'entity': 'sku_catalog', 'source': 'catalog', 'base': 'base_catalog__skus',
         'staged': 'stg_catalog__skus',
         'columns': ['sku_id', 'product_name', 'list_price', 'is_listed']},
    ]) }}
{%- endmacro %}
