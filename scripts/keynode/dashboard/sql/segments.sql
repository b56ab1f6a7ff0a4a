-- One funnel ($funnel_key) by one segment dimension ($segment_type: channel_group, platform,
-- is_new_user or member_tier) over all days: users reaching each node and their share of the
-- segment's node-1 users.
with

segment_rows as (

    select
        'channel_group' as segment_type,
        channel_group as segment,
        node_step,
        node_label,
        users_reached
    from fct_node_funnel_daily_by_segment
    where funnel_key = $funnel_key
    union all
    select
        'platform' as segment_type,
        platform as segment,
        node_step,
        node_label,
        users_reached
    from fct_node_funnel_daily_by_segment
    where funnel_key = $funnel_key
    union all
    select
        'is_new_user' as segment_type,
        case when is_new_user then 'new' else 'returning' end as segment,
        node_step,
        node_label,
        users_reached
    from fct_node_funnel_daily_by_segment
    where funnel_key = $funnel_key
    union all
    select
        'member_tier' as segment_type,
        member_tier as segment,
        node_step,
        node_label,
        users_reached
    from fct_node_funnel_daily_by_segment
    where funnel_key = $funnel_key

),

totals as (

    select
        segment,
        node_step,
        node_label,
        sum(users_reached) as users_reached
    from segment_rows
    where segment_type = $segment_type
    group by segment, node_step, node_label

),

entry as (

    select
        segment,
        users_reached as entry_users
    from totals
    where node_step = 1

)

select
    totals.segment,
    totals.node_step,
    totals.node_label,
    totals.users_reached,
    totals.users_reached / nullif(entry.entry_users, 0) as share_of_entry
from totals
inner join entry on totals.segment = entry.segment
order by totals.segment, totals.node_step
