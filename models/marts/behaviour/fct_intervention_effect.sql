{#-
    Intervention window effect of cart-reminder pushes: for abandoned carts (int_behaviour_abandoned_carts),
    the conversion rate to payment_success within H hours with versus without a reminder in between.
    One row per (period, platform of the add): every day and `overall`, every platform and `all`
    (doc intervention_effect).
-#}
with

carts as (

    select
        added_date,
        platform,
        is_reminded,
        is_converted
    from {{ ref('int_behaviour_abandoned_carts') }}

),

by_platform as (

    select
        added_date,
        platform,
        is_reminded,
        is_converted
    from carts

    union all

    select
        added_date,
        'all' as platform,
        is_reminded,
        is_converted
    from carts

),

periods as (

    {{ keynode_day_and_overall_periods(
        'by_platform', 'added_date', ['platform', 'is_reminded', 'is_converted']
    ) }}

),

counts as (

    select
        period_type,
        period_start,
        period_end,
        platform,
        count(*) as abandoned_carts,
        sum(case when is_reminded then 1 else 0 end) as carts_reminded,
        sum(case when is_reminded then 0 else 1 end) as carts_not_reminded,
        sum(case when is_reminded and is_converted then 1 else 0 end) as conversions_reminded,
        sum(case when not is_reminded and is_converted then 1 else 0 end) as conversions_not_reminded
    from periods
    group by period_type, period_start, period_end, platform

),

rates as (

    select
        *,
        case when carts_reminded > 0 then cast(conversions_reminded as double) / carts_reminded end
            as conversion_rate_reminded,
        case
            when carts_not_reminded > 0 then cast(conversions_not_reminded as double) / carts_not_reminded
        end
            as conversion_rate_not_reminded
    from counts

),

effects as (

    select
        *,
        {{ var('keynode__intervention_window_hours') | int }} as intervention_window_hours,
        cast(conversions_reminded + conversions_not_reminded as double) / abandoned_carts as conversion_rate,
        conversion_rate_reminded - conversion_rate_not_reminded as conversion_uplift,
        case
            when conversion_rate_not_reminded > 0
                then conversion_rate_reminded / conversion_rate_not_reminded
        end as conversion_rate_ratio
    from rates

),

final as (

    select {{ keynode_contract_columns() }}
    from effects

)

select * from final
