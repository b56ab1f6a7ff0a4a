{#-
    Product-detail views and whether they converted, one row per product_view event: the slow-page
    class of the view (page_load_ms against var `keynode__slow_page_threshold_ms`, 3000) and whether the
    same user_key added the same SKU to the cart within var `keynode__detail_to_cart_window_minutes`
    (V = 30) after it (doc factor_impact_weight). fct_node_factor_impact counts these rows per day.
    Incremental on DuckDB (delete+insert on view_event_id): a view's row depends only on the user's
    add_to_cart events from the view to V minutes later, so a user's events landed (or re-keyed to the
    user) within the lookback can change only the user's views from V minutes before the earliest of
    them on (keynode_behaviour_users_to_recompute, as int_behaviour_cart_adds). Spark rebuilds it.
-#}
{%- set threshold_ms = var('keynode__slow_page_threshold_ms') | int -%}
{%- set window_minutes = var('keynode__detail_to_cart_window_minutes') | int -%}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        incremental_strategy=keynode_incremental_strategy(),
        unique_key='view_event_id',
        on_schema_change='append_new_columns',
    )
}}

with

{% if is_incremental() %}
recompute_users as (

    {{ keynode_behaviour_users_to_recompute(ref('int_events_stitched'), window_minutes, 'landed_date') }}

),
{% endif %}

{#- Full build: inlined (keynode_inlined_cte), views and cart_adds each read their rows of the relation;
    materialised, every event (7 columns) is written to memory first (30M events, the query alone, 3 runs:
    3.0-3.2 s and 2.7 GB peak RSS materialised, 2.7-2.9 s and 2.1 GB inlined). A daily run holds only the
    recomputed users' events and reads them once (30M events: inlined, the join with recompute_users runs
    twice, 1.15 s). #}
events as {% if not is_incremental() %}{{ keynode_inlined_cte() }} {% endif %}(

    select
        stitched.event_id,
        stitched.user_key,
        stitched.event_name,
        stitched.event_ts,
        stitched.event_date,
        stitched.sku_id,
        stitched.page_load_ms,
        stitched.effective_landed_date
    from {{ ref('int_events_stitched') }} as stitched
    {%- if is_incremental() %}
    inner join recompute_users
        on
            stitched.user_key = recompute_users.user_key
            and stitched.event_ts >= recompute_users.recompute_from
    {%- endif %}
    where stitched.event_name in ('product_view', 'add_to_cart')

),

views as (

    select
        event_id,
        user_key,
        sku_id,
        event_ts,
        event_date,
        page_load_ms,
        effective_landed_date
    from events
    where event_name = 'product_view'

),

cart_adds as (

    select
        user_key,
        sku_id,
        event_ts
    from events
    where event_name = 'add_to_cart' and sku_id is not null

),

-- a view converts when the same user adds the same SKU in [viewed_at, viewed_at + V]
view_conversions as (

    select
        views.event_id,
        max(case when cart_adds.user_key is not null then 1 else 0 end) = 1 as is_converted
    from views
    left join cart_adds
        on
            views.user_key = cart_adds.user_key
            and views.sku_id = cart_adds.sku_id
            and views.event_ts <= cart_adds.event_ts
            and views.event_ts + interval {{ window_minutes }} minute >= cart_adds.event_ts
    group by views.event_id

),

final as (

    select
        views.event_id as view_event_id,
        views.user_key,
        views.sku_id,
        views.event_ts as viewed_at,
        views.event_date as view_date,
        views.page_load_ms,
        case
            when views.page_load_ms is null then 'unknown'
            when views.page_load_ms > {{ threshold_ms }} then 'slow'
            else 'fast'
        end as load_class,
        view_conversions.is_converted,
        views.effective_landed_date as landed_date
    from views
    inner join view_conversions
        on views.event_id = view_conversions.event_id

)

select * from final
