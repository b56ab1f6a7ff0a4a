{#-
    The registry of raw-zone entities: for each, its dbt source, the base model that checks every
    landed row, the staging model that keeps valid first copies, the raw columns kept (as JSON)
    on quarantined rows and, but for events (whose base model is written out), `typed`: the raw columns
    in the order the base and staging models select them, each with its kind (id: keynode_clean_id;
    integer, bigint: keynode_integer; double, date, timestamp, boolean: a cast; text: as landed), which
    keynode_checked_raw_rows and keynode_staged_columns render. fct_quarantined_rows and
    fct_raw_row_accounting are generated from it too, so a new entity is added here once.
-#}
{% macro keynode_raw_entities() -%}
    {{ return([
        {'entity': 'events', 'source': 'events', 'base': 'base_events__events',
         'staged': 'stg_events__events',
         'columns': ['event_id', 'device_id', 'user_id', 'event_name', 'event_time_raw', 'ingested_at',
                     'sku_id', 'price', 'quantity', 'properties']},
        {'entity': 'marketing_exposure', 'source': 'marketing', 'base': 'base_marketing__exposures',
         'staged': 'stg_marketing__exposures',
         'columns': ['exposure_date', 'channel', 'campaign_id', 'sku_id', 'impressions', 'clicks', 'spend'],
         'typed': {'exposure_date': 'date', 'channel': 'id', 'campaign_id': 'id', 'sku_id': 'id',
                   'impressions': 'bigint', 'clicks': 'bigint', 'spend': 'double'}},
        {'entity': 'inventory_snapshots', 'source': 'inventory', 'base': 'base_inventory__snapshots',
         'staged': 'stg_inventory__snapshots',
         'columns': ['snapshot_date', 'sku_id', 'warehouse_id', 'on_hand', 'reserved', 'inbound'],
         'typed': {'snapshot_date': 'date', 'sku_id': 'id', 'warehouse_id': 'id', 'on_hand': 'integer',
                   'reserved': 'integer', 'inbound': 'integer'}},
        {'entity': 'replenishment_orders', 'source': 'inventory',
         'base': 'base_inventory__replenishment_orders',
         'staged': 'stg_inventory__replenishment_orders',
         'columns': ['po_id', 'sku_id', 'warehouse_id', 'status', 'ordered_date', 'quantity_ordered',
                     'quantity_received'],
         'typed': {'po_id': 'id', 'sku_id': 'id', 'warehouse_id': 'id', 'status': 'id',
                   'ordered_date': 'date', 'expected_date': 'date', 'received_date': 'date',
                   'quantity_ordered': 'integer', 'quantity_received': 'integer', 'updated_at': 'timestamp'}},
        {'entity': 'orders', 'source': 'orders', 'base': 'base_orders__orders',
         'staged': 'stg_orders__orders',
         'columns': ['order_id', 'user_id', 'device_id', 'status', 'created_at', 'paid_at', 'updated_at'],
         'typed': {'order_id': 'id', 'user_id': 'id', 'device_id': 'id', 'platform': 'text',
                   'channel': 'text', 'coupon_code': 'id', 'created_at': 'timestamp', 'paid_at': 'timestamp',
                   'status': 'text', 'updated_at': 'timestamp'}},
        {'entity': 'order_lines', 'source': 'orders', 'base': 'base_orders__order_lines',
         'staged': 'stg_orders__order_lines',
         'columns': ['order_id', 'line_number', 'sku_id', 'quantity', 'unit_price', 'discount_amount'],
         'typed': {'order_id': 'id', 'line_number': 'integer', 'sku_id': 'id', 'quantity': 'integer',
                   'unit_price': 'double', 'discount_amount': 'double'}},
        {'entity': 'experiment_assignments', 'source': 'experiments', 'base': 'base_experiments__assignments',
         'staged': 'stg_experiments__assignments',
         'columns': ['assignment_id', 'experiment_key', 'variant', 'device_id', 'assigned_at'],
         'typed': {'assignment_id': 'id', 'experiment_key': 'id', 'variant': 'id', 'device_id': 'id',
                   'user_id': 'id', 'assigned_at': 'timestamp'}},
        {'entity': 'sku_catalog', 'source': 'catalog', 'base': 'base_catalog__skus',
         'staged': 'stg_catalog__skus',
         'columns': ['sku_id', 'product_name', 'list_price', 'is_listed'],
         'typed': {'sku_id': 'id', 'product_name': 'text', 'category': 'text', 'brand': 'text',
                   'list_price': 'double', 'launched_date': 'date', 'is_listed': 'boolean'}},
    ]) }}
{%- endmacro %}
