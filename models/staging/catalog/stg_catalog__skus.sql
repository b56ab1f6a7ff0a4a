{#- The product catalogue: one row per SKU, from its newest valid snapshot. -#}
{{ keynode_staged_rows('sku_catalog') }}
