{#-
    Valid order-header versions, one row per (order_id, updated_at). `is_current_version` marks the
    newest version of each order (e.g. the cancellation of a paid order).
-#}
with

checked as (

    {{ keynode_kept_copies('orders') }}

),

channel_groups as (

    select
        utm_medium,
        channel_group
    from {{ ref('channel_groups') }}

),

final as (

    select
        {{ keynode_staged_columns('orders', relation='checked', replace={
            'channel': [
                'checked.channel as utm_medium',
                "coalesce(channel_groups.channel_group, 'other') as channel_group",
            ],
            'status': [
                'checked.status',
                "checked.status in ('paid', 'cancelled', 'refunded') and checked.paid_at is not null"
                ~ ' as was_paid',
                "checked.status = 'paid' as is_paid_and_kept",
            ],
            'updated_at': [
                'checked.updated_at',
                'row_number() over (partition by checked.order_id'
                ~ ' order by checked.updated_at desc, checked.ingested_at desc) = 1 as is_current_version',
            ],
        }) }}
    from checked
    left join channel_groups
        on checked.channel = channel_groups.utm_medium

)

select * from final
