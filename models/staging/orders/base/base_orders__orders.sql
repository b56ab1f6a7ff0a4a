{#- Every landed order-header version, typed and checked, with its copy rank on (order_id, updated_at). -#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('orders', 'orders') }}

),

typed as (

    select
        {{ keynode_clean_id('order_id') }} as order_id,
        {{ keynode_clean_id('user_id') }} as user_id,
        {{ keynode_clean_id('device_id') }} as device_id,
        platform,
        channel,
        {{ keynode_clean_id('coupon_code') }} as coupon_code,
        cast(created_at as timestamp) as created_at,
        cast(paid_at as timestamp) as paid_at,
        status,
        cast(updated_at as timestamp) as updated_at,
        cast(ingested_at as timestamp) as ingested_at,
        filename as raw_file,
        cast(file_row_number as bigint) as raw_row_number,
        cast(dt as date) as landed_date
    from source

),

checked as (

    select
        *,
        {{ keynode_first_failed_check([
            {'reason': 'missing_id', 'column': 'order_id', 'fails_when': 'order_id is null'},
            {'reason': 'missing_id', 'column': 'updated_at', 'fails_when': 'updated_at is null'},
            {'reason': 'missing_ingested_at', 'column': 'ingested_at', 'fails_when': 'ingested_at is null'},
            {'reason': 'malformed_timestamp', 'column': 'created_at', 'fails_when': 'created_at is null'},
        ]) }}
    from typed

),

final as (

    select
        *,
        {{ keynode_copy_rank(['order_id', 'updated_at']) }}
    from checked

)

select * from final
