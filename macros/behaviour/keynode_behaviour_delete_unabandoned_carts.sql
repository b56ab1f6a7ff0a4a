{#-
    Post-hook of int_behaviour_abandoned_carts on engines that merge (delete+insert on add_event_id):
    deletes the stored rows of `carts` whose add no longer leaves an abandoned cart in `adds`
    (int_behaviour_cart_adds: a late checkout, or an add that is gone) - delete+insert only replaces the
    adds the run recomputed, and those adds are no longer among them. One anti-join; a full rebuild has
    no such rows, so it deletes nothing there.
-#}
{% macro keynode_behaviour_delete_unabandoned_carts(carts, adds) -%}
    delete from {{ carts }} as stored
    where not exists (
        select 1
        from {{ adds }} as adds
        where adds.add_event_id = stored.add_event_id and adds.ends_abandoned_cart
    )
{%- endmacro %}
