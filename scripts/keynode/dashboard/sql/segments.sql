-- One funnel ($funnel_key) by one segment dimension ($segment_type: channel_group, platform,
-- is_new_user or member_tier) over all days: users reaching each node and their share of the
-- segment's node-1 users.
with

segment_rows as (

    -- the rows of the asked dimension, its value as text
    select
        node_step,
        node_label,
        users_reached,
        case $segment_type
            when 'channel_group' then channel_group
            when 'platform' then platform
            when 'is_new_user' then case when is_new_user then 'new' else 'returning' end
            when 'member_tier' then member_tier
        end as segment
    from fct_node_funnel_daily_by_segment
    where
        funnel_key = $funnel_key
        and $segment_type in ('channel_group', 'platform', 'is_new_user', 'member_tier')

),

totals as (

    select
        segment,
        node_step,
        node_label,
        sum(users_reached) as users_reached
    from segment_rows
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
