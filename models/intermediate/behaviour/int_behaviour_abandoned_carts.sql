{#-
    Abandoned carts and what followed: one row per add_to_cart that leaves an abandoned cart behind
    (`ends_abandoned_cart` of int_behaviour_cart_adds) whose intervention window of var
    `keynode__intervention_window_hours` (H = 24) hours lies inside the data. Flags whether the same
    user_key paid (payment_success) within H hours of the add, and whether a cart-reminder push
    (push_received with push_campaign = var `keynode__cart_reminder_campaign`) reached the user in
    between: after the add and no later than the payment (or the window end when there is none).
-#}
{%- set window_hours = var('keynode__intervention_window_hours') | int -%}

with

abandoned_adds as (

    select
        add_event_id,
        user_key,
        platform,
        added_at,
        added_date
    from {{ ref('int_behaviour_cart_adds') }}
    where ends_abandoned_cart

),

events as (

    select
        user_key,
        event_name,
        event_ts,
        push_campaign
    from {{ ref('int_events_stitched') }}
    where
        event_name = 'payment_success'
        or (event_name = 'push_received' and push_campaign = '{{ var("keynode__cart_reminder_campaign") }}')

),

data_end as (

    select max(event_ts) as last_event_at
    from {{ ref('int_events_stitched') }}

),

carts as (

    select
        abandoned_adds.add_event_id,
        abandoned_adds.user_key,
        abandoned_adds.platform,
        abandoned_adds.added_at,
        abandoned_adds.added_date,
        abandoned_adds.added_at + interval {{ window_hours }} hour as intervention_end_at
    from abandoned_adds
    cross join data_end
    where abandoned_adds.added_at + interval {{ window_hours }} hour <= data_end.last_event_at

),

conversions as (

    select
        carts.add_event_id,
        min(events.event_ts) as converted_at
    from carts
    inner join events
        on
            carts.user_key = events.user_key
            and events.event_name = 'payment_success'
            and carts.added_at <= events.event_ts
            and carts.intervention_end_at >= events.event_ts
    group by carts.add_event_id

),

reminders as (

    select
        carts.add_event_id,
        min(events.event_ts) as first_reminder_at,
        count(*) as reminders_received
    from carts
    left join conversions
        on carts.add_event_id = conversions.add_event_id
    inner join events
        on
            carts.user_key = events.user_key
            and events.event_name = 'push_received'
            and carts.added_at <= events.event_ts
            and coalesce(conversions.converted_at, carts.intervention_end_at) >= events.event_ts
    group by carts.add_event_id

),

final as (

    select
        carts.add_event_id,
        carts.user_key,
        coalesce(carts.platform, 'unknown') as platform,
        carts.added_at,
        carts.added_date,
        carts.intervention_end_at,
        reminders.first_reminder_at,
        coalesce(reminders.reminders_received, 0) as reminders_received,
        reminders.add_event_id is not null as is_reminded,
        conversions.converted_at,
        conversions.add_event_id is not null as is_converted,
        ({{ keynode_epoch_ms('conversions.converted_at') }} - {{ keynode_epoch_ms('carts.added_at') }})
        / cast(3600000 as double) as hours_to_convert
    from carts
    left join conversions
        on carts.add_event_id = conversions.add_event_id
    left join reminders
        on carts.add_event_id = reminders.add_event_id

)

select * from final
