{#-
    Every landed catalogue row, typed and checked. The catalogue lands as full snapshots, so for a SKU
    the newest snapshot row is kept (copy_rank 1) and older ones count as superseded copies.
-#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('catalog', 'sku_catalog') }}

),

typed as (

    select
        {{ keynode_clean_id('sku_id') }} as sku_id,
        product_name,
        category,
        brand,
        cast(list_price as double) as list_price,
        cast(launched_date as date) as launched_date,
        cast(is_listed as boolean) as is_listed,
        cast(ingested_at as timestamp) as ingested_at,
        filename as raw_file,
        cast(file_row_number as bigint) as raw_row_number,
        cast(dt as date) as landed_date,
        {{ keynode_number_issue([
            {'column': 'list_price', 'name': 'list_price', 'type': 'double'},
        ]) }}
    from source

),

checked as (

    select
        *,
        {{ keynode_first_failed_check([
            {'reason': 'missing_id', 'column': 'sku_id', 'fails_when': 'sku_id is null'},
            {'reason': 'missing_ingested_at', 'column': 'ingested_at', 'fails_when': 'ingested_at is null'},
            {'reason_expr': 'number_issue', 'column_expr': 'number_issue_column',
             'fails_when': 'number_issue is not null'},
            {'reason': 'invalid_price', 'column': 'list_price',
             'fails_when': 'list_price < 0 or list_price > ' ~ var('keynode__max_unit_price')},
        ]) }}
    from typed

),

final as (

    select
        *,
        {{ keynode_copy_rank(['sku_id'], ingested_at='ingested_at desc') }}
    from checked

)

select * from final
