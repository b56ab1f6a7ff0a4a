{#- Valid daily marketing exposure, one row per (exposure_date, channel, campaign_id, sku_id). -#}
{{ keynode_staged_rows('marketing_exposure') }}
