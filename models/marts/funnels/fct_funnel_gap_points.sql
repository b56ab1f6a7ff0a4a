{%- set norm_days = 7 -%}

with

node_funnel_daily as (

    select
        funnel_key,
        funnel_date,
        node_step,
        node_key,
        users_reached,
        users_reached_previous,
        step_conversion_rate
    from {{ ref('fct_node_funnel_daily') }}

),

node_pairs as (

    select
        funnel_key,
        funnel_date,
        node_step - 1 as from_step,
        node_step as to_step,
        lag(node_key) over (
            partition by funnel_key, funnel_date
            order by node_step
        ) as from_node_key,
        node_key as to_node_key,
        users_reached_previous as users_from,
        users_reached as users_to,
        1 - step_conversion_rate as loss_rate
    from node_funnel_daily

),

-- the norm of a pair on day d: its loss rates on days d-7 .. d-1 (calendar days; missing days skipped)
with_norm as (

    select
        *,
        avg(loss_rate) over trailing_days as norm_loss_rate_mean,
        stddev_samp(loss_rate) over trailing_days as norm_loss_rate_stddev,
        count(loss_rate) over trailing_days as norm_days
    from node_pairs
    where from_step >= 1
    window trailing_days as (
        partition by funnel_key, to_step
        order by funnel_date
        range between interval {{ norm_days }} day preceding and interval 1 day preceding
    )

),

deviations as (

    select
        *,
        loss_rate - norm_loss_rate_mean as loss_rate_deviation,
        case
            when norm_loss_rate_stddev > 0
                then (loss_rate - norm_loss_rate_mean) / norm_loss_rate_stddev
        end as loss_rate_z_score
    from with_norm

),

ranked as (

    select
        *,
        row_number() over (
            partition by funnel_key, funnel_date
            order by
                loss_rate_deviation desc nulls last,
                loss_rate_z_score desc nulls last,
                from_step asc
        ) as gap_rank
    from deviations

),

final as (

    select {{ keynode_contract_columns() }}
    from ranked

)

select * from final
