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

    select
        cast(funnel_key as {{ dbt.type_string() }}) as funnel_key,
        cast(funnel_date as date) as funnel_date,
        cast(from_step as integer) as from_step,
        cast(to_step as integer) as to_step,
        cast(from_node_key as {{ dbt.type_string() }}) as from_node_key,
        cast(to_node_key as {{ dbt.type_string() }}) as to_node_key,
        cast(users_from as bigint) as users_from,
        cast(users_to as bigint) as users_to,
        cast(loss_rate as double) as loss_rate,
        cast(norm_loss_rate_mean as double) as norm_loss_rate_mean,
        cast(norm_loss_rate_stddev as double) as norm_loss_rate_stddev,
        cast(norm_days as integer) as norm_days,
        cast(loss_rate_deviation as double) as loss_rate_deviation,
        cast(loss_rate_z_score as double) as loss_rate_z_score,
        cast(gap_rank as integer) as gap_rank
    from ranked

)

select * from final
