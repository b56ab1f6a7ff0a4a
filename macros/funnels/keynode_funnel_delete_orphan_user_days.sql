{#-
    Post-hook of int_funnel_user_days on engines that replace single user-days (delete+insert on
    funnel_key, user_key, funnel_date): deletes the user-days of `user_days` that no longer have a
    node-1 event in `events` (int_funnel_events). A user-day disappears when its user_key does: a
    device's anonymous history is re-keyed to the user who logged in on it ('anon:<device>' becomes
    the user id), and delete+insert only replaces keys the run produced. One anti-join (0.3 s at 10M
    events); a full refresh has no orphans and skips it (keynode_funnel_user_day_config).
-#}
{% macro keynode_funnel_delete_orphan_user_days(user_days, events) -%}
    delete from {{ user_days }} as user_days
    where not exists (
        select 1
        from {{ events }} as events
        where
            events.node_step = 1
            and events.funnel_key = user_days.funnel_key
            and events.user_key = user_days.user_key
            and events.event_date = user_days.funnel_date
    )
{%- endmacro %}
