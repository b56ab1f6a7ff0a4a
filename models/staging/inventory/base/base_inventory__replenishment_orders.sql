{#-
    Every landed replenishment-order change record, typed and checked, with its copy rank on
    (po_id, status).
-#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('inventory', 'replenishment_orders') }}

),

skus as (

    select sku_id from {{ ref('stg_catalog__skus') }}

),

typed as (

    select
        {{ keynode_clean_id('po_id') }} as po_id,
        {{ keynode_clean_id('sku_id') }} as sku_id,
        {{ keynode_clean_id('warehouse_id') }} as warehouse_id,
        {{ keynode_clean_id('status') }} as status,
        cast(ordered_date as date) as ordered_date,
        cast(expected_date as date) as expected_date,
        cast(received_date as date) as received_date,
        {{ keynode_integer('quantity_ordered') }} as quantity_ordered,
        {{ keynode_integer('quantity_received') }} as quantity_received,
        cast(updated_at as timestamp) as updated_at,
        cast(ingested_at as timestamp) as ingested_at,
        filename as raw_file,
        cast(file_row_number as bigint) as raw_row_number,
        cast(dt as date) as landed_date,
        {{ keynode_number_issue([
            {'column': 'quantity_ordered', 'name': 'quantity_ordered', 'type': 'integer'},
            {'column': 'quantity_received', 'name': 'quantity_received', 'type': 'integer'},
        ]) }}
    from source

),

checked as (

    select
        typed.*,
        {{ keynode_first_failed_check([
            {'reason': 'missing_id', 'column': 'po_id', 'fails_when': 'typed.po_id is null'},
            {'reason': 'missing_id', 'column': 'sku_id', 'fails_when': 'typed.sku_id is null'},
            {'reason': 'missing_id', 'column': 'status', 'fails_when': 'typed.status is null'},
            {'reason': 'missing_ingested_at', 'column': 'ingested_at',
             'fails_when': 'typed.ingested_at is null'},
            {'reason_expr': 'typed.number_issue', 'column_expr': 'typed.number_issue_column',
             'fails_when': 'typed.number_issue is not null'},
            {'reason': 'invalid_quantity', 'column': 'quantity_ordered',
             'fails_when': 'typed.quantity_ordered <= 0 or typed.quantity_ordered > '
                 ~ var('keynode__max_po_quantity')},
            {'reason': 'invalid_quantity', 'column': 'quantity_received',
             'fails_when': 'typed.quantity_received < 0'},
            {'reason': 'unknown_sku', 'column': 'sku_id', 'fails_when': 'skus.sku_id is null'},
        ]) }}
    from typed
    left join skus
        on typed.sku_id = skus.sku_id

),

final as (

    select
        *,
        {{ keynode_copy_rank(['po_id', 'status']) }}
    from checked

)

select * from final
