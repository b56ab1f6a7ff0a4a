{#-
    Daily cart abandonment: one row per UTC day with add_to_cart events (the day of the add), with the
    abandonment rate and what abandoners did in the window (doc cart_abandonment_behaviour).
-#}
with

cart_adds as (

    select
        added_date,
        user_key,
        is_abandoned,
        abandonment_behaviour,
        is_window_complete
    from {{ ref('int_behaviour_cart_adds') }}

),

daily as (

    select
        added_date,
        count(*) as cart_adds,
        count(distinct user_key) as users_adding,
        sum(case when is_abandoned then 1 else 0 end) as abandoned_adds,
        count(distinct case when is_abandoned then user_key end) as users_abandoning,
        sum(case when abandonment_behaviour = 'removed_item' then 1 else 0 end) as abandoned_removed_item,
        sum(case when abandonment_behaviour = 'browsed_other_skus' then 1 else 0 end)
            as abandoned_browsed_other_skus,
        sum(case when abandonment_behaviour = 'other_activity' then 1 else 0 end) as abandoned_other_activity,
        sum(case when abandonment_behaviour = 'left' then 1 else 0 end) as abandoned_left,
        sum(case when is_window_complete then 0 else 1 end) as adds_window_incomplete
    from cart_adds
    group by added_date

),

final as (

    select
        cast(added_date as date) as added_date,
        cast(cart_adds as bigint) as cart_adds,
        cast(users_adding as bigint) as users_adding,
        cast(abandoned_adds as bigint) as abandoned_adds,
        cast(users_abandoning as bigint) as users_abandoning,
        cast(cast(abandoned_adds as double) / cart_adds as double) as abandonment_rate,
        cast(abandoned_removed_item as bigint) as abandoned_removed_item,
        cast(abandoned_browsed_other_skus as bigint) as abandoned_browsed_other_skus,
        cast(abandoned_other_activity as bigint) as abandoned_other_activity,
        cast(abandoned_left as bigint) as abandoned_left,
        cast(
            case when abandoned_adds > 0 then cast(abandoned_removed_item as double) / abandoned_adds end
            as double
        ) as removed_item_share,
        cast(
            case
                when abandoned_adds > 0 then cast(abandoned_browsed_other_skus as double) / abandoned_adds
            end
            as double
        ) as browsed_other_skus_share,
        cast(
            case when abandoned_adds > 0 then cast(abandoned_other_activity as double) / abandoned_adds end
            as double
        ) as other_activity_share,
        cast(
            case when abandoned_adds > 0 then cast(abandoned_left as double) / abandoned_adds end
            as double
        ) as left_share,
        cast(adds_window_incomplete as bigint) as adds_window_incomplete
    from daily

)

select * from final
