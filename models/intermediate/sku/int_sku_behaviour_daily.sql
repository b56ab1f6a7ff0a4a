{#- Product-detail views and add-to-carts per SKU and day (valid stitched events, UTC event date). -#}
with

events as (

    select
        event_date,
        sku_id,
        event_name,
        user_key
    from {{ ref('int_events_stitched') }}
    where sku_id is not null and event_name in ('product_view', 'add_to_cart')

),

final as (

    select
        event_date,
        sku_id,
        sum(case when event_name = 'product_view' then 1 else 0 end) as product_views,
        sum(case when event_name = 'add_to_cart' then 1 else 0 end) as add_to_carts,
        count(distinct case when event_name = 'product_view' then user_key end) as product_viewers
    from events
    group by event_date, sku_id

)

select * from final
