{%- set edges = keynode_funnel_time_buckets() -%}
{#- one row of conversions per pair-day: the key of bucketed, bucket_counts and pair_days -#}
{%- set pair_day = ['funnel_key', 'funnel_date', 'pair_type', 'from_step', 'to_step'] -%}

with

user_days as (

    select *
    from {{ ref('int_funnel_user_days') }}

),

funnel_lengths as (

    select
        funnel_key,
        max(node_step) as funnel_steps
    from {{ ref('funnel_nodes') }}
    group by funnel_key

),

conversions as (

    {{ keynode_funnel_conversions('user_days', 'funnel_lengths', keynode_funnel_max_steps()) }}

),

buckets as (

    {%- for edge in edges %}
        {%- if not loop.first %}

            union all
        {%- endif %}

        select
            {{ loop.index0 }} as bucket_index,
            {{ edge }} as bucket_lower_seconds,
            {{ 'cast(null as integer)' if loop.last else edges[loop.index] }} as bucket_upper_seconds
    {%- endfor %}

),

bucketed as (

    select
        {{ pair_day | join(', ') }},
        case
            {%- for edge in edges[1:] %}
                when seconds_to_convert < {{ edge }} then {{ loop.index0 }}
            {%- endfor %}
            else {{ edges | length - 1 }}
        end as bucket_index
    from conversions

),

bucket_counts as (

    select
        {{ pair_day | join(', ') }},
        bucket_index,
        count(*) as users_converted
    from bucketed
    -- read twice (the pair-days and the zero-filled counts): computed once
    where {{ keynode_shared_cte() }}
    group by {{ pair_day | join(', ') }}, bucket_index

),

-- every bucket of every pair-day with at least one conversion (zero-filled)
pair_days as (

    select distinct {{ pair_day | join(', ') }}
    from bucket_counts

),

zero_filled as (

    select
        pair_days.*,
        buckets.bucket_index,
        buckets.bucket_lower_seconds,
        buckets.bucket_upper_seconds,
        coalesce(bucket_counts.users_converted, 0) as users_converted
    from pair_days
    cross join buckets
    left join bucket_counts
        on
            {{ keynode_same_key('pair_days', 'bucket_counts', pair_day) }}
            and buckets.bucket_index = bucket_counts.bucket_index

),

final as (

    select {{ keynode_contract_columns() }}
    from zero_filled

)

select * from final
