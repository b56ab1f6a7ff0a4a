{%- set edges = keynode_funnel_time_buckets() -%}

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
        funnel_key,
        funnel_date,
        pair_type,
        from_step,
        to_step,
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
        funnel_key,
        funnel_date,
        pair_type,
        from_step,
        to_step,
        bucket_index,
        count(*) as users_converted
    from bucketed
    -- read twice (the pair-days and the zero-filled counts): computed once
    where {{ keynode_shared_cte() }}
    group by funnel_key, funnel_date, pair_type, from_step, to_step, bucket_index

),

-- every bucket of every pair-day with at least one conversion (zero-filled)
pair_days as (

    select distinct
        funnel_key,
        funnel_date,
        pair_type,
        from_step,
        to_step
    from bucket_counts

),

final as (

    select
        cast(pair_days.funnel_key as {{ dbt.type_string() }}) as funnel_key,
        cast(pair_days.funnel_date as date) as funnel_date,
        cast(pair_days.pair_type as {{ dbt.type_string() }}) as pair_type,
        cast(pair_days.from_step as integer) as from_step,
        cast(pair_days.to_step as integer) as to_step,
        cast(buckets.bucket_index as integer) as bucket_index,
        cast(buckets.bucket_lower_seconds as integer) as bucket_lower_seconds,
        cast(buckets.bucket_upper_seconds as integer) as bucket_upper_seconds,
        cast(coalesce(bucket_counts.users_converted, 0) as bigint) as users_converted
    from pair_days
    cross join buckets
    left join bucket_counts
        on
            pair_days.funnel_key = bucket_counts.funnel_key
            and pair_days.funnel_date = bucket_counts.funnel_date
            and pair_days.pair_type = bucket_counts.pair_type
            and pair_days.from_step = bucket_counts.from_step
            and pair_days.to_step = bucket_counts.to_step
            and buckets.bucket_index = bucket_counts.bucket_index

)

select * from final
