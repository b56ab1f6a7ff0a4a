{#- Every landed order line, typed and checked, with its copy rank on (order_id, line_number). -#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('orders', 'order_lines') }}

),

skus as (

    select sku_id from {{ ref('stg_catalog__skus') }}

),

typed as (

    select
        {{ keynode_clean_id('order_id') }} as order_id,
        {{ keynode_integer('line_number') }} as line_number,
        {{ keynode_clean_id('sku_id') }} as sku_id,
        {{ keynode_integer('quantity') }} as quantity,
        cast(unit_price as double) as unit_price,
        cast(discount_amount as double) as discount_amount,
        cast(ingested_at as timestamp) as ingested_at,
        filename as raw_file,
        cast(file_row_number as bigint) as raw_row_number,
        cast(dt as date) as landed_date,
        {{ keynode_number_issue([
            {'column': 'line_number', 'name': 'line_number', 'type': 'integer'},
            {'column': 'quantity', 'name': 'quantity', 'type': 'integer'},
            {'column': 'unit_price', 'name': 'unit_price', 'type': 'double'},
            {'column': 'discount_amount', 'name': 'discount_amount', 'type': 'double'},
        ]) }}
    from source

),

checked as (

    select
        typed.*,
        {{ keynode_first_failed_check([
            {'reason': 'missing_id', 'column': 'order_id', 'fails_when': 'typed.order_id is null'},
            {'reason': 'missing_id', 'column': 'line_number',
             'fails_when': 'typed.line_number is null and typed.number_issue is null'},
            {'reason': 'missing_id', 'column': 'sku_id', 'fails_when': 'typed.sku_id is null'},
            {'reason': 'missing_ingested_at', 'column': 'ingested_at',
             'fails_when': 'typed.ingested_at is null'},
            {'reason_expr': 'typed.number_issue', 'column_expr': 'typed.number_issue_column',
             'fails_when': 'typed.number_issue is not null'},
            {'reason': 'invalid_quantity', 'column': 'quantity',
             'fails_when': 'typed.quantity = 0 or abs(typed.quantity) > ' ~ var('keynode__max_quantity')
                ~ (' or typed.quantity < 0' if not var('keynode__allow_negative_order_quantity') else '')},
            {'reason': 'invalid_price', 'column': 'unit_price',
             'fails_when': 'typed.unit_price < 0 or typed.unit_price > ' ~ var('keynode__max_unit_price')},
            {'reason': 'invalid_price', 'column': 'discount_amount',
             'fails_when': 'typed.discount_amount < 0'},
            {'reason': 'unknown_sku', 'column': 'sku_id', 'fails_when': 'skus.sku_id is null'},
        ]) }}
    from typed
    left join skus
        on typed.sku_id = skus.sku_id

),

final as (

    select
        *,
        {{ keynode_copy_rank(['order_id', 'line_number']) }}
    from checked

)

select * from final
