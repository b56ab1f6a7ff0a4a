{#-
    Abandoned carts and what followed: one row per add_to_cart that leaves an abandoned cart behind
    (`ends_abandoned_cart` of int_behaviour_cart_adds) whose intervention window of var
    `keynode__intervention_window_hours` (H = 24) hours lies inside the data. Flags whether the same
    user_key paid (payment_success) within H hours of the add, and whether a cart-reminder push
    (push_received with push_campaign = var `keynode__cart_reminder_campaign`) reached the user in
    between: after the add and no later than the payment (or the window end when there is none).
    Incremental on DuckDB (delete+insert on add_event_id, see recompute_users below; a post-hook
    deletes the rows of adds that no longer leave an abandoned cart); Spark rebuilds it.
-#}
{%- set window_hours = var('keynode__intervention_window_hours') | int -%}
{#- how far back from a user's new event the user's carts can change: the intervention window, or the
    cart window that decides ends_abandoned_cart (int_behaviour_cart_adds), whichever is longer -#}
{%- set reach_minutes = [window_hours * 60, var('keynode__cart_abandonment_minutes') | int] | max -%}
{#- rendered when the hook runs: `this` and the ref are the built relations -#}
{%- set drop_unabandoned = [
    "{{ keynode_behaviour_delete_unabandoned_carts(this, ref('int_behaviour_cart_adds')) }}"
] -%}
{#- a table built before processed_landed_date existed gets the column (NULL: its first run
    recomputes all) -#}
{%- set add_watermark = ["{{ keynode_add_column_if_missing(this, 'processed_landed_date', 'date') }}"] -%}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        incremental_strategy=keynode_incremental_strategy(),
        unique_key='add_event_id',
        pre_hook=([] if target.type == 'spark' else add_watermark),
        post_hook=([] if target.type == 'spark' else drop_unabandoned),
    )
}}

with

source_watermark as (

    select max(effective_landed_date) as processed_landed_date
    from {{ ref('int_events_stitched') }}

),

{% if is_incremental() %}
-- Incremental (DuckDB): a cart's row depends on its user's events from the add to the window end, so
-- a user's events landed (or re-keyed) within the lookback can change only the user's carts added
-- from `reach` before the earliest of them on; carts whose window has completed since are new rows.
recompute_users as (

    {{ keynode_behaviour_users_to_recompute(
        ref('int_events_stitched'), reach_minutes, 'processed_landed_date'
    ) }}

),
{% endif %}

abandoned_adds as (

    select
        adds.add_event_id,
        adds.user_key,
        adds.platform,
        adds.added_at,
        adds.added_date
    from {{ ref('int_behaviour_cart_adds') }} as adds
    {%- if is_incremental() %}
    left join recompute_users
        on adds.user_key = recompute_users.user_key
    {%- endif %}
    where
        adds.ends_abandoned_cart
    {% if is_incremental() -%}
        and (
            adds.added_at >= recompute_users.recompute_from
            or not exists (
                select 1 from {{ this }} as stored
                where stored.add_event_id = adds.add_event_id
            )
        )
        {%- endif %}

),

events as (

    select
        stitched.user_key,
        stitched.event_name,
        stitched.event_ts,
        stitched.push_campaign
    from {{ ref('int_events_stitched') }} as stitched
    where
        (
            stitched.event_name = 'payment_success'
            or (
                stitched.event_name = 'push_received'
                and stitched.push_campaign = '{{ var("keynode__cart_reminder_campaign") }}'
            )
        )
    {% if is_incremental() -%}
        and stitched.user_key in (select abandoned_adds.user_key from abandoned_adds)
        {%- endif %}

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
        / cast(3600000 as double) as hours_to_convert,
        source_watermark.processed_landed_date
    from carts
    cross join source_watermark
    left join conversions
        on carts.add_event_id = conversions.add_event_id
    left join reminders
        on carts.add_event_id = reminders.add_event_id

)

select * from final
