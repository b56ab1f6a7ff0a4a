{#-
    Cart abandonment per add_to_cart event (contract): int_behaviour_cart_adds with fixed types.
-#}
with

cart_adds as (

    select * from {{ ref('int_behaviour_cart_adds') }}

),

final as (

    select {{ keynode_contract_columns() }}
    from cart_adds

)

select * from final
