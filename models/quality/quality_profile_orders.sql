{#-
    Orders (stg_orders__orders) per creation day, counted once (their first version), from the first
    creation day to the later of the last one and the last event day. `keynode check` (suite orders)
    checks the volume against its history, the share of first versions landed after the freshness
    deadline, and the rules below on every version.
-#}
{%- set deadline_hours = keynode_freshness_deadline_hours('orders') %}
{#- the day counts, 0 on a day with no rows -#}
{%- set counts = [
    'orders', 'order_versions', 'rows_with_missing_values', 'invalid_rows', 'late_landed_orders'
] %}

with

order_versions as (

    select
        order_id,
        device_id,
        platform,
        status,
        created_at,
        paid_at,
        updated_at,
        ingested_at
    from {{ ref('stg_orders__orders') }}

),

ranked_versions as (

    select
        order_versions.*,
        cast(order_versions.created_at as date) as created_date,
        row_number() over (
            partition by order_versions.order_id
            order by order_versions.updated_at, order_versions.ingested_at
        ) as version_rank
    from order_versions

),

daily as (

    select
        created_date as date_day,
        count_if(version_rank = 1) as orders,
        count(*) as order_versions,
        count_if(device_id is null or status is null) as rows_with_missing_values,
        count_if(
            status not in ('paid', 'cancelled', 'pending_payment', 'refunded')
            or platform not in ('app', 'web', 'mini_program')
            or paid_at < created_at
            or updated_at < created_at
        ) as invalid_rows,
        count_if(
            version_rank = 1 and ingested_at > {{ dbt.dateadd('hour', deadline_hours, 'created_date') }}
        ) as late_landed_orders
    from ranked_versions
    group by created_date

),

{{ keynode_profile_final(counts, late_landing=('late_landed_orders', 'orders', deadline_hours)) }}
