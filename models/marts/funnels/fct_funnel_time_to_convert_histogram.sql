with

bucketed as (

    select *
    from {{ ref('int_funnel_conversions_bucketed') }}

),

-- every bucket of every pair-day with at least one conversion (zero-filled upstream)
converted_pair_days as (

    select *
    from bucketed
    where pair_users_converted > 0

),

final as (

    select {{ keynode_contract_columns() }}
    from converted_pair_days

)

select * from final
