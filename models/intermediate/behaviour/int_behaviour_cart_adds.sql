{#-
    Cart adds and their abandonment outcome, one row per add_to_cart event: did the same user_key
    start checkout within var `keynode__cart_abandonment_minutes` (30) after it, and if not, what did
    the user do in that window (doc cart_abandonment_behaviour: removed the item > browsed other SKUs >
    other activity > left). Also flags the add that leaves an abandoned cart behind (doc
    abandoned_cart), the input of the intervention analysis. fct_cart_abandonment_events publishes it.
    Incremental on DuckDB (delete+insert on add_event_id, see touched_users below); Spark rebuilds it.
-#}
{%- set window_minutes = var('keynode__cart_abandonment_minutes') | int -%}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        incremental_strategy=keynode_incremental_strategy(),
        unique_key='add_event_id',
        on_schema_change='append_new_columns',
    )
}}

with

{% if is_incremental() %}
-- Incremental (DuckDB): an add's row depends on the user's events from the add to its window end and
-- on the user's next add, so a user's events landed (or re-keyed) within the lookback can change only
-- the user's adds from W minutes before the earliest of them on; an add whose window ran past the data
-- end (is_window_complete false) changes as the data grows.
touched_users as (

    {{ keynode_behaviour_users_to_recompute(ref('int_events_stitched'), window_minutes, 'landed_date') }}

    union all

    select
        user_key,
        min(added_at) as recompute_from
    from {{ this }}
    where not is_window_complete
    group by user_key

),

recompute_users as (

    select
        user_key,
        min(recompute_from) as recompute_from
    from touched_users
    group by user_key

),
{% endif %}

{#- Full build: inlined (keynode_inlined_cte), so cart_adds reads the adds and window_events five columns
    of the relation. Materialised, all history was written first: at 30M events 4.2 GB, spilled to disk,
    and the query took 15 s (2.8 s inlined). On a daily run it holds the few recomputed users' events and
    stays materialised. #}
events as {% if not is_incremental() %}{{ keynode_inlined_cte() }} {% endif %}(

    select
        stitched.event_id,
        stitched.user_key,
        stitched.device_id,
        stitched.platform,
        stitched.event_name,
        stitched.event_ts,
        stitched.event_date,
        stitched.sku_id,
        stitched.quantity,
        stitched.effective_landed_date,
        -- the event's time bucket, window_minutes wide (epoch ms floored), which window_events matches on
        cast(floor({{ keynode_epoch_ms('stitched.event_ts') }} / {{ window_minutes * 60000 }}) as bigint)
            as time_bucket
    from {{ ref('int_events_stitched') }} as stitched
    {%- if is_incremental() %}
    inner join recompute_users
        on
            stitched.user_key = recompute_users.user_key
            and stitched.event_ts >= recompute_users.recompute_from
    {%- endif %}

),

data_end as (

    select max(event_ts) as last_event_at
    from {{ ref('int_events_stitched') }}

),

cart_adds as (

    select
        event_id as add_event_id,
        user_key,
        device_id,
        platform,
        sku_id,
        quantity,
        event_ts as added_at,
        event_date as added_date,
        event_ts + interval {{ window_minutes }} minute as window_end_at,
        effective_landed_date as landed_date,
        time_bucket
    from events
    where event_name = 'add_to_cart'

),

-- The window [added_at, window_end_at] spans window_minutes, so its events lie in the add's time bucket
-- (events.time_bucket) or the next one: the join matches on (user_key, bucket), and an
-- add meets the user's events of two buckets instead of all of them (a user's adds x events otherwise;
-- the inequalities below still decide). Each event has one bucket, so no pair is counted twice.
bucket_offsets as (

    select 0 as bucket_offset

    union all

    select 1 as bucket_offset

),

add_buckets as (

    select
        cart_adds.add_event_id,
        cart_adds.user_key,
        cart_adds.sku_id,
        cart_adds.added_at,
        cart_adds.window_end_at,
        cart_adds.time_bucket + bucket_offsets.bucket_offset as window_bucket
    from cart_adds
    cross join bucket_offsets

),

-- every other event of the same user in [added_at, window_end_at]
window_events as (

    select
        add_buckets.add_event_id,
        events.event_name,
        events.event_ts,
        events.sku_id,
        add_buckets.sku_id as added_sku_id
    from add_buckets
    inner join events
        on
            add_buckets.user_key = events.user_key
            and add_buckets.window_bucket = events.time_bucket
            and add_buckets.added_at <= events.event_ts
            and add_buckets.window_end_at >= events.event_ts
            and add_buckets.add_event_id != events.event_id

),

window_summary as (

    select
        add_event_id,
        count(*) as events_in_window,
        min(case when event_name = 'checkout_start' then event_ts end) as checkout_started_at,
        max(
            case
                when
                    event_name = 'remove_from_cart'
                    and (sku_id is null or added_sku_id is null or sku_id = added_sku_id)
                    then 1
                else 0
            end
        ) = 1 as did_remove_item,
        max(
            case
                when
                    event_name = 'product_view'
                    and sku_id is not null
                    and (added_sku_id is null or sku_id != added_sku_id)
                    then 1
                else 0
            end
        ) = 1 as did_browse_other_skus
    from window_events
    group by add_event_id

),

-- the next add_to_cart of the same user (any SKU), to find the add that leaves the cart behind
next_adds as (

    select
        add_event_id,
        lead(added_at) over (
            partition by user_key order by added_at, add_event_id
        ) as next_added_at
    from cart_adds

),

classified as (

    select
        cart_adds.add_event_id,
        cart_adds.user_key,
        cart_adds.device_id,
        cart_adds.platform,
        cart_adds.sku_id,
        cart_adds.quantity,
        cart_adds.added_at,
        cart_adds.added_date,
        cart_adds.window_end_at,
        window_summary.checkout_started_at,
        window_summary.checkout_started_at is null as is_abandoned,
        coalesce(window_summary.events_in_window, 0) as events_in_window,
        coalesce(window_summary.did_remove_item, false) as did_remove_item,
        coalesce(window_summary.did_browse_other_skus, false) as did_browse_other_skus,
        coalesce(window_summary.events_in_window, 0) = 0 as had_no_further_event,
        window_summary.checkout_started_at is null
        and (next_adds.next_added_at is null or next_adds.next_added_at > cart_adds.window_end_at)
            as ends_abandoned_cart,
        cart_adds.window_end_at <= data_end.last_event_at as is_window_complete,
        cart_adds.landed_date
    from cart_adds
    cross join data_end
    left join window_summary
        on cart_adds.add_event_id = window_summary.add_event_id
    left join next_adds
        on cart_adds.add_event_id = next_adds.add_event_id

),

final as (

    select
        add_event_id,
        user_key,
        device_id,
        platform,
        sku_id,
        quantity,
        added_at,
        added_date,
        window_end_at,
        checkout_started_at,
        ({{ keynode_epoch_ms('checkout_started_at') }} - {{ keynode_epoch_ms('added_at') }})
        / cast(1000 as double) as seconds_to_checkout,
        is_abandoned,
        events_in_window,
        did_remove_item,
        did_browse_other_skus,
        had_no_further_event,
        case
            when not is_abandoned then 'checkout_started'
            when did_remove_item then 'removed_item'
            when did_browse_other_skus then 'browsed_other_skus'
            when not had_no_further_event then 'other_activity'
            else 'left'
        end as abandonment_behaviour,
        ends_abandoned_cart,
        is_window_complete,
        landed_date
    from classified

)

select * from final
