{#-
    Replenishment PO change records (stg_inventory__replenishment_orders) per record day: the received
    date of a received record, else the ordered date (a record without that date counts on its
    landing day). From the first record day to the later of the last one and the last event day;
    POs are event-driven, so a day without records is normal. `keynode check` (suite
    replenishment_orders) checks the share landed after the freshness deadline and the rules below.
-#}
{%- set deadline_hours = keynode_freshness_deadline_hours('replenishment_orders') %}

with

records as (

    select
        status,
        warehouse_id,
        ordered_date,
        expected_date,
        received_date,
        quantity_ordered,
        quantity_received,
        ingested_at,
        coalesce(
            case when status = 'received' then received_date else ordered_date end, landed_date
        ) as record_date
    from {{ ref('stg_inventory__replenishment_orders') }}

),

event_days as (

    select max(event_date) as last_event_day
    from {{ ref('stg_events__events') }}

),

daily as (

    select
        record_date as date_day,
        count(*) as record_rows,
        count_if(warehouse_id is null or ordered_date is null or quantity_ordered is null)
            as rows_with_missing_values,
        count_if(
            expected_date < ordered_date
            or (
                status = 'received'
                and (received_date is null or quantity_received is null or received_date < ordered_date)
            )
        ) as invalid_rows,
        count_if(ingested_at > {{ dbt.dateadd('hour', deadline_hours, 'record_date') }}) as late_landed_rows
    from records
    group by record_date

),

bounds as (

    select
        min(daily.date_day) as first_day,
        greatest(max(daily.date_day), max(event_days.last_event_day)) as last_day
    from daily
    cross join event_days

),

days as (

    {{ keynode_day_spine('bounds', 'bounds.first_day', 'bounds.last_day') }}

),

final as (

    select
        days.date_day,
        coalesce(daily.record_rows, 0) as record_rows,
        coalesce(daily.rows_with_missing_values, 0) as rows_with_missing_values,
        coalesce(daily.invalid_rows, 0) as invalid_rows,
        coalesce(daily.late_landed_rows, 0) as late_landed_rows,
        {{ keynode_share('daily.late_landed_rows', 'daily.record_rows') }} as late_landing_share,
        {{ deadline_hours }} as deadline_hours,
        cast({{ var('keynode__quality_late_landing_share_max') }} as double) as late_landing_share_max
    from days
    left join daily
        on days.date_day = daily.date_day

)

select * from final
