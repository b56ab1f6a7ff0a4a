{#-
    Cart abandonment per add_to_cart event (contract): int_behaviour_cart_adds with fixed types.
-#}
with

cart_adds as (

    select * from {{ ref('int_behaviour_cart_adds') }}

),

final as (

    select
        cast(add_event_id as {{ dbt.type_string() }}) as add_event_id,
        cast(user_key as {{ dbt.type_string() }}) as user_key,
        cast(device_id as {{ dbt.type_string() }}) as device_id,
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(sku_id as {{ dbt.type_string() }}) as sku_id,
        cast(quantity as integer) as quantity,
        cast(added_at as timestamp) as added_at,
        cast(added_date as date) as added_date,
        cast(window_end_at as timestamp) as window_end_at,
        cast(checkout_started_at as timestamp) as checkout_started_at,
        cast(seconds_to_checkout as double) as seconds_to_checkout,
        cast(is_abandoned as boolean) as is_abandoned,
        cast(events_in_window as bigint) as events_in_window,
        cast(did_remove_item as boolean) as did_remove_item,
        cast(did_browse_other_skus as boolean) as did_browse_other_skus,
        cast(had_no_further_event as boolean) as had_no_further_event,
        cast(abandonment_behaviour as {{ dbt.type_string() }}) as abandonment_behaviour,
        cast(ends_abandoned_cart as boolean) as ends_abandoned_cart,
        cast(is_window_complete as boolean) as is_window_complete
    from cart_adds

)

select * from final
