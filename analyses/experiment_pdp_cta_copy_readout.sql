{#-
    Read-out of the product-page CTA copy A/B test (experiment_key = 'pdp_cta_copy'): for each variant,
    assigned devices that viewed a product after assignment, and the share of them that added to cart
    within the same day. Compile with `dbt compile -s experiment_pdp_cta_copy_readout` and run the SQL
    in target/compiled/. The generator's manifest (effects.experiment) holds the true effect.
-#}
with

assignments as (

    select
        device_id,
        variant,
        assigned_at
    from {{ ref('stg_experiments__assignments') }}
    where experiment_key = 'pdp_cta_copy'

),

events as (

    select
        device_id,
        event_name,
        event_ts
    from {{ ref('int_events_stitched') }}
    where event_name in ('product_view', 'add_to_cart')

),

device_outcomes as (

    select
        assignments.device_id,
        assignments.variant,
        max(case when events.event_name = 'product_view' then 1 else 0 end) as viewed,
        max(case when events.event_name = 'add_to_cart' then 1 else 0 end) as added
    from assignments
    inner join events
        on
            assignments.device_id = events.device_id
            and assignments.assigned_at <= events.event_ts
            and cast(events.event_ts as date) = cast(assignments.assigned_at as date)
    group by assignments.device_id, assignments.variant

),

final as (

    select
        variant,
        sum(viewed) as devices_viewing,
        sum(added) as devices_adding,
        1.0 * sum(added) / nullif(sum(viewed), 0) as add_to_cart_rate
    from device_outcomes
    group by variant

)

select * from final
