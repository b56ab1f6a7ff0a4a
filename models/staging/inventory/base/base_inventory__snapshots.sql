{#- Every landed inventory snapshot row, typed and checked, with its copy rank on the grain key. -#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('inventory', 'inventory_snapshots') }}

),

skus as (

    select sku_id from {{ ref('stg_catalog__skus') }}

),

typed as (

    select
        cast(snapshot_date as date) as snapshot_date,
        {{ keynode_clean_id('sku_id') }} as sku_id,
        {{ keynode_clean_id('warehouse_id') }} as warehouse_id,
        {{ keynode_integer('on_hand') }} as on_hand,
        {{ keynode_integer('reserved') }} as reserved,
        {{ keynode_integer('inbound') }} as inbound,
        cast(ingested_at as timestamp) as ingested_at,
        filename as raw_file,
        cast(file_row_number as bigint) as raw_row_number,
        cast(dt as date) as landed_date,
        {{ keynode_number_issue([
            {'column': 'on_hand', 'name': 'on_hand', 'type': 'integer'},
            {'column': 'reserved', 'name': 'reserved', 'type': 'integer'},
            {'column': 'inbound', 'name': 'inbound', 'type': 'integer'},
        ]) }}
    from source

),

checked as (

    select
        typed.*,
        {{ keynode_first_failed_check([
            {'reason': 'missing_id', 'column': 'snapshot_date', 'fails_when': 'typed.snapshot_date is null'},
            {'reason': 'missing_id', 'column': 'sku_id', 'fails_when': 'typed.sku_id is null'},
            {'reason': 'missing_id', 'column': 'warehouse_id', 'fails_when': 'typed.warehouse_id is null'},
            {'reason': 'missing_ingested_at', 'column': 'ingested_at',
             'fails_when': 'typed.ingested_at is null'},
            {'reason_expr': 'typed.number_issue', 'column_expr': 'typed.number_issue_column',
             'fails_when': 'typed.number_issue is not null'},
            {'reason': 'invalid_quantity', 'column': 'on_hand', 'fails_when': 'typed.on_hand < 0'},
            {'reason': 'invalid_quantity', 'column': 'reserved', 'fails_when': 'typed.reserved < 0'},
            {'reason': 'invalid_quantity', 'column': 'inbound', 'fails_when': 'typed.inbound < 0'},
            {'reason': 'unknown_sku', 'column': 'sku_id', 'fails_when': 'skus.sku_id is null'},
        ]) }}
    from typed
    left join skus
        on typed.sku_id = skus.sku_id

),

final as (

    select
        *,
        {{ keynode_copy_rank(['snapshot_date', 'sku_id', 'warehouse_id']) }}
    from checked

)

select * from final
