{#- Every landed marketing exposure row, typed and checked, with its copy rank on the grain key. -#}
{{ config(materialized='table') }}

{{ keynode_checked_raw_rows(
    'marketing_exposure',
    required=['exposure_date', 'channel', 'campaign_id', 'sku_id'],
    checks=[
        {'reason': 'invalid_price', 'column': 'spend',
         'fails_when': 'typed.spend < 0 or typed.spend > ' ~ var('keynode__max_daily_spend')},
        {'reason': 'invalid_quantity', 'column': 'impressions', 'fails_when': 'typed.impressions < 0'},
        {'reason': 'invalid_quantity', 'column': 'clicks',
         'fails_when': 'typed.clicks < 0 or typed.clicks > typed.impressions'},
    ],
    key=['exposure_date', 'channel', 'campaign_id', 'sku_id'],
    known_skus=true,
) }}
