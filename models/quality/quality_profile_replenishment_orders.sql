{#-
    Replenishment PO change records (stg_inventory__replenishment_orders) per record day: the received
    date of a received record, else the ordered date (a record without that date counts on its
    landing day). From the first record day to the later of the last one and the last event day;
    POs are event-driven, so a day without records is normal. `keynode check` (suite
    replenishment_orders) checks the share landed after the freshness deadline and the rules below.
-#}
{%- set deadline_hours = keynode_freshness_deadline_hours('replenishment_orders') %}
{#- the day counts, 0 on a day with no rows -#}
{%- set counts = ['record_rows', 'rows_with_missing_values', 'invalid_rows', 'late_landed_rows'] %}

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

{{ keynode_profile_final(counts, late_landing=('late_landed_rows', 'record_rows', deadline_hours)) }}
