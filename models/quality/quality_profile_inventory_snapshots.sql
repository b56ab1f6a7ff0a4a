{#-
    End-of-day stock rows (stg_inventory__snapshots) per snapshot date, from the first snapshot date to
    the later of the last one and the last event day. `keynode check` (suite inventory_snapshots)
    checks that every listed SKU has a snapshot in every warehouse, the share landed after the
    freshness deadline, and on_hand present; reserved above on_hand is a warning.
-#}
{%- set deadline_hours = keynode_freshness_deadline_hours('inventory_snapshots') %}

with

snapshots as (

    select
        snapshot_date,
        sku_id,
        warehouse_id,
        on_hand,
        reserved,
        ingested_at
    from {{ ref('stg_inventory__snapshots') }}

),

{{ keynode_profile_listed_skus() }},

warehouse_count as (

    select count(distinct warehouse_id) as warehouses
    from snapshots

),

expected_grid as (

    -- every listed SKU in every warehouse that has ever reported a snapshot
    select
        listed_sku_count.listed_skus,
        warehouse_count.warehouses
    from listed_sku_count
    cross join warehouse_count

),

daily as (

    select
        snapshots.snapshot_date as date_day,
        count(*) as snapshot_rows,
        -- (snapshot_date, sku_id, warehouse_id) is unique (dbt test), so rows count distinct keys
        count(listed_skus.sku_id) as listed_keys_present,
        count_if(snapshots.on_hand is null) as rows_without_on_hand,
        count_if(snapshots.reserved > snapshots.on_hand) as negative_available,
        count_if(
            snapshots.ingested_at > {{ dbt.dateadd('hour', deadline_hours, 'snapshots.snapshot_date') }}
        ) as late_landed_rows
    from snapshots
    left join listed_skus
        on snapshots.sku_id = listed_skus.sku_id
    group by snapshots.snapshot_date

),

days as (

    {{ keynode_profile_days('daily') }}

),

final as (

    select
        days.date_day,
        coalesce(daily.snapshot_rows, 0) as snapshot_rows,
        expected_grid.listed_skus * expected_grid.warehouses as expected_keys,
        coalesce(daily.listed_keys_present, 0) as listed_keys_present,
        expected_grid.listed_skus * expected_grid.warehouses - coalesce(daily.listed_keys_present, 0)
            as missing_keys,
        {{ keynode_zero_filled('daily', [
            'rows_without_on_hand', 'negative_available', 'late_landed_rows'
        ]) }},
        {{ keynode_late_landing_columns('daily.late_landed_rows', 'daily.snapshot_rows', deadline_hours) }}
    from days
    cross join expected_grid
    left join daily
        on days.date_day = daily.date_day

)

select * from final
