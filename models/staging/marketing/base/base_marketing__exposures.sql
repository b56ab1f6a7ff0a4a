{#- Every landed marketing exposure row, typed and checked, with its copy rank on the grain key. -#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('marketing', 'marketing_exposure') }}

),

skus as (

    select sku_id from {{ ref('stg_catalog__skus') }}

),

typed as (

    select
        cast(exposure_date as date) as exposure_date,
        {{ keynode_clean_id('channel') }} as channel,
        {{ keynode_clean_id('campaign_id') }} as campaign_id,
        {{ keynode_clean_id('sku_id') }} as sku_id,
        {{ keynode_integer('impressions', 'bigint') }} as impressions,
        {{ keynode_integer('clicks', 'bigint') }} as clicks,
        cast(spend as double) as spend,
        cast(ingested_at as timestamp) as ingested_at,
        filename as raw_file,
        cast(file_row_number as bigint) as raw_row_number,
        cast(dt as date) as landed_date,
        {{ keynode_number_issue([
            {'column': 'impressions', 'name': 'impressions', 'type': 'bigint'},
            {'column': 'clicks', 'name': 'clicks', 'type': 'bigint'},
            {'column': 'spend', 'name': 'spend', 'type': 'double'},
        ]) }}
    from source

),

checked as (

    select
        typed.*,
        {{ keynode_first_failed_check([
            {'reason': 'missing_id', 'column': 'exposure_date', 'fails_when': 'typed.exposure_date is null'},
            {'reason': 'missing_id', 'column': 'channel', 'fails_when': 'typed.channel is null'},
            {'reason': 'missing_id', 'column': 'campaign_id', 'fails_when': 'typed.campaign_id is null'},
            {'reason': 'missing_id', 'column': 'sku_id', 'fails_when': 'typed.sku_id is null'},
            {'reason': 'missing_ingested_at', 'column': 'ingested_at',
             'fails_when': 'typed.ingested_at is null'},
            {'reason_expr': 'typed.number_issue', 'column_expr': 'typed.number_issue_column',
             'fails_when': 'typed.number_issue is not null'},
            {'reason': 'invalid_price', 'column': 'spend',
             'fails_when': 'typed.spend < 0 or typed.spend > ' ~ var('keynode__max_daily_spend')},
            {'reason': 'invalid_quantity', 'column': 'impressions', 'fails_when': 'typed.impressions < 0'},
            {'reason': 'invalid_quantity', 'column': 'clicks',
             'fails_when': 'typed.clicks < 0 or typed.clicks > typed.impressions'},
            {'reason': 'unknown_sku', 'column': 'sku_id', 'fails_when': 'skus.sku_id is null'},
        ]) }}
    from typed
    left join skus
        on typed.sku_id = skus.sku_id

),

final as (

    select
        *,
        {{ keynode_copy_rank(['exposure_date', 'channel', 'campaign_id', 'sku_id']) }}
    from checked

)

select * from final
