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
        nullif(trim(po_id), '') as po_id,
        nullif(trim(sku_id), '') as sku_id,
        nullif(trim(warehouse_id), '') as warehouse_id,
        nullif(trim(status), '') as status,
        cast(ordered_date as date) as ordered_date,
        cast(expected_date as date) as expected_date,
        cast(received_date as date) as received_date,
        cast(quantity_ordered as integer) as quantity_ordered,
        cast(quantity_received as integer) as quantity_received,
        cast(updated_at as timestamp) as updated_at,
        cast(ingested_at as timestamp) as ingested_at,
        filename as raw_file,
        cast(file_row_number as bigint) as raw_row_number,
        cast(dt as date) as landed_date
    from source

),

checked as (

    select
        typed.*,
        {{ keynode_first_failed_check([
            {'reason': 'missing_id', 'column': 'po_id', 'fails_when': 'typed.po_id is null'},
            {'reason': 'missing_id', 'column': 'sku_id', 'fails_when': 'typed.sku_id is null'},
            {'reason': 'missing_id', 'column': 'status', 'fails_when': 'typed.status is null'},
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
