{#-
    For an incremental behaviour model keyed by add (int_behaviour_cart_adds, int_behaviour_abandoned_carts):
    the users whose rows new events can change, with the earliest time from which they can. An event of a
    user that landed (or was re-keyed to the user) within the lookback of `this` changes only rows whose
    window reaches it: those from `reach_minutes` before the user's earliest such event on. A `this`
    without a watermark yet (an empty table, or NULL in the watermark column) recomputes every user.
-#}
{% macro keynode_behaviour_users_to_recompute(stitched_events, reach_minutes, watermark_column) -%}
    select
        user_key,
        min(event_ts) - interval {{ reach_minutes }} minute as recompute_from
    from {{ stitched_events }}
    where
        effective_landed_date
        >= coalesce({{ keynode_lookback_start(watermark_column) }}, cast('0001-01-01' as date))
    group by user_key
{%- endmacro %}
