{#-
    Observed replenishment lead time per SKU and day, as known on that day: the median of
    (received_date - ordered_date) over the SKU's orders received in the trailing
    keynode__sku_lead_time_window_days days. With fewer than keynode__sku_lead_time_min_observations
    of them it falls back to the SKU's category, then to all SKUs; NULL when nothing was received yet
    (or there is no replenishment data at all).
-#}
{%- set window_days = var('keynode__sku_lead_time_window_days') %}
{%- set min_observations = var('keynode__sku_lead_time_min_observations') %}
{#- the median is taken alike at three levels: per SKU, per category, over all SKUs (no key) -#}
{%- set levels = [
    {'cte': 'sku_level', 'spine': 'calendar_windows', 'key': 'sku_id'},
    {'cte': 'category_level', 'spine': 'calendar_categories', 'key': 'category'},
    {'cte': 'global_level', 'spine': 'calendar_dates', 'key': none},
] %}

with

calendar as (

    select
        date_day,
        sku_id,
        category
    from {{ ref('int_sku_calendar') }}

),

catalog as (

    select
        sku_id,
        category
    from {{ ref('stg_catalog__skus') }}

),

replenishment_orders as (

    select
        sku_id,
        ordered_date,
        received_date
    from {{ ref('stg_inventory__replenishment_orders') }}
    where status = 'received' and received_date is not null and ordered_date is not null

),

received as (

    select
        replenishment_orders.sku_id,
        catalog.category,
        replenishment_orders.received_date,
        {{ dbt.datediff('replenishment_orders.ordered_date', 'replenishment_orders.received_date', 'day') }}
            as lead_time_days
    from replenishment_orders
    left join catalog
        on replenishment_orders.sku_id = catalog.sku_id

),

calendar_dates as (

    select distinct
        date_day,
        cast({{ dbt.dateadd('day', -window_days, 'date_day') }} as date) as window_start_excl
    from calendar

),

calendar_windows as (

    -- each SKU-day with the start (exclusive) of its trailing window
    select
        calendar.date_day,
        calendar_dates.window_start_excl,
        calendar.sku_id,
        calendar.category
    from calendar
    inner join calendar_dates
        on calendar.date_day = calendar_dates.date_day

),

calendar_categories as (

    select distinct
        date_day,
        window_start_excl,
        category
    from calendar_windows

),

{% for level in levels %}
    {%- set key = level.spine ~ '.' ~ level.key if level.key else none %}
    {{ level.cte }} as (

        select
            {{ level.spine }}.date_day,
            {%- if key %}
                {{ key }},
            {%- endif %}
            {{ keynode_sku_median('received.lead_time_days') }} as lead_time_days,
            count(*) as observations
        from {{ level.spine }}
        inner join received
            on
                {{ level.spine }}.date_day >= received.received_date
                and {{ level.spine }}.window_start_excl < received.received_date
                {%- if key %}
                    and {{ key }} = received.{{ level.key }}
                {%- endif %}
        group by {{ level.spine }}.date_day{% if key %}, {{ key }}{% endif %}

    ),

{% endfor %}
final as (

    select
        calendar.date_day,
        calendar.sku_id,
        case
            when sku_level.observations >= {{ min_observations }} then sku_level.lead_time_days
            when category_level.observations >= {{ min_observations }} then category_level.lead_time_days
            else global_level.lead_time_days
        end as lead_time_days,
        case
            when sku_level.observations >= {{ min_observations }} then 'sku'
            when category_level.observations >= {{ min_observations }} then 'category'
            when global_level.observations >= 1 then 'global'
        end as lead_time_source,
        coalesce(sku_level.observations, 0) as sku_lead_time_observations
    from calendar
    left join sku_level
        on calendar.date_day = sku_level.date_day and calendar.sku_id = sku_level.sku_id
    left join category_level
        on calendar.date_day = category_level.date_day and calendar.category = category_level.category
    left join global_level
        on calendar.date_day = global_level.date_day

)

select * from final
