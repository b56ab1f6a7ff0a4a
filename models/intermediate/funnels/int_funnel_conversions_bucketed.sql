{#-
    Time to convert per funnel day, node pair and time bucket, zero-filled: one row per (funnel_key,
    funnel_date) with at least one user-day, per node pair of the funnel (every adjacent pair and end to
    end, doc funnel_pair_type) and per bucket of keynode_funnel_time_buckets (doc funnel_time_buckets).
    Each row carries the bucket's count and the pair-day's count, median and 90th percentile (doc
    funnel_seconds_to_convert), so both time-to-convert marts read it instead of the user-days.

    A funnel day's rows depend only on the step times of its user-days that reached node 2 or further,
    so the model is kept by funnel day: incremental on DuckDB (delete+insert on funnel_key,
    funnel_date), it recomputes the funnel days whose fingerprint of those step times
    (keynode_rows_fingerprint, stored in conversion_fingerprint) differs from the stored one, and the
    new days. Rewritten user-days alone do not count: re-keying a device's anonymous history renames
    user-days on many past dates every day without changing their times. Every pair of a recomputed
    day has rows even without a conversion, so the new rows replace all the old ones; a post-hook
    deletes the days left without any user-day (keynode_funnel_delete_vanished_days). Spark rebuilds it.
-#}
{%- set edges = keynode_funnel_time_buckets() -%}
{%- set max_steps = keynode_funnel_max_steps() -%}
{%- set pair_day = ['funnel_key', 'funnel_date', 'pair_type', 'from_step', 'to_step'] -%}
{#- what a funnel day's conversions are computed from: each converting user-day's reach and step times -#}
{%- set conversion_inputs = ['max_step_reached'] -%}
{%- for step in range(1, max_steps + 1) -%}
    {%- do conversion_inputs.append('step_%02d_reached_at' | format(step)) -%}
{%- endfor -%}
{#- rendered when the hook runs: `this` and the ref are the built relations; a full build has no
    vanished days, and the hook renders empty -#}
{%- set delete_vanished = [
    "{{ keynode_funnel_delete_vanished_days(this, ref('int_funnel_user_days')) if is_incremental() }}"
] -%}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        incremental_strategy=keynode_incremental_strategy(),
        unique_key=['funnel_key', 'funnel_date'],
        post_hook=([] if target.type == 'spark' else delete_vanished),
    )
}}
{#- Built after int_funnel_next_moves, never beside it: both hold per-user aggregates DuckDB cannot spill,
    and side by side they ran out of memory (memory_limit 3GB) in the 100M full build. -#}
-- depends_on: {{ ref('int_funnel_next_moves') }}

with

source_watermark as (

    select max(processed_landed_date) as processed_landed_date
    from {{ ref('int_funnel_user_days') }}

),

-- every funnel day with a user-day, and the fingerprint of its converting user-days' step times
day_fingerprints as (

    select
        funnel_key,
        funnel_date,
        {{ keynode_rows_fingerprint(conversion_inputs, 'max_step_reached >= 2') }} as conversion_fingerprint
    from {{ ref('int_funnel_user_days') }}
    group by funnel_key, funnel_date

),

{% if is_incremental() %}
stored_days as (

    select distinct
        funnel_key,
        funnel_date,
        conversion_fingerprint
    from {{ this }}

),
{% endif %}

-- the funnel days to compute: all of them, or (incremental) those new or with another fingerprint
funnel_days as (

    select day_fingerprints.*
    from day_fingerprints
    {%- if is_incremental() %}
    left join stored_days
        on
            day_fingerprints.funnel_key = stored_days.funnel_key
            and day_fingerprints.funnel_date = stored_days.funnel_date
    where
        stored_days.conversion_fingerprint is null
        or stored_days.conversion_fingerprint != day_fingerprints.conversion_fingerprint
    {%- endif %}

),

user_days as (

    select user_days.*
    from {{ ref('int_funnel_user_days') }} as user_days
    {%- if is_incremental() %}
    inner join funnel_days
        on
            user_days.funnel_key = funnel_days.funnel_key
            and user_days.funnel_date = funnel_days.funnel_date
    {%- endif %}

),

funnel_lengths as (

    select
        funnel_key,
        max(node_step) as funnel_steps
    from {{ ref('funnel_nodes') }}
    group by funnel_key

),

-- the pairs of a funnel of any length up to max_steps: adjacent k-1 -> k, and end to end 1 -> N (NULL)
step_pairs as (

    {{ keynode_funnel_step_pairs(max_steps) }}

),

-- every node pair of every funnel
pairs as (

    select
        funnel_lengths.funnel_key,
        step_pairs.pair_type,
        step_pairs.from_step,
        coalesce(step_pairs.pair_to_step, funnel_lengths.funnel_steps) as to_step
    from funnel_lengths
    cross join step_pairs
    where
        coalesce(step_pairs.pair_to_step, funnel_lengths.funnel_steps)
        between 2 and funnel_lengths.funnel_steps

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

conversions as (

    {{ keynode_funnel_conversions('user_days', 'funnel_lengths', max_steps) }}

),

-- read twice (the pair statistics and the bucket counts): computed once
bucketed as (

    select
        {{ pair_day | join(', ') }},
        seconds_to_convert,
        {% if edges | length > 1 -%}
            case
                {%- for edge in edges[1:] %}
                    when seconds_to_convert < {{ edge }} then {{ loop.index0 }}
                {%- endfor %}
                else {{ edges | length - 1 }}
            end
        {%- else -%}
            0
        {%- endif %} as bucket_index
    from conversions
    where {{ keynode_shared_cte() }}

),

pair_stats as (

    select
        {{ pair_day | join(', ') }},
        count(*) as pair_users_converted,
        {{ keynode_funnel_percentile('seconds_to_convert', 0.5) }} as pair_median_seconds,
        {{ keynode_funnel_percentile('seconds_to_convert', 0.9) }} as pair_p90_seconds
    from bucketed
    group by {{ pair_day | join(', ') }}

),

bucket_counts as (

    select
        {{ pair_day | join(', ') }},
        bucket_index,
        count(*) as users_converted
    from bucketed
    group by {{ pair_day | join(', ') }}, bucket_index

),

zero_filled as (

    select
        funnel_days.funnel_key,
        funnel_days.funnel_date,
        pairs.pair_type,
        pairs.from_step,
        pairs.to_step,
        buckets.bucket_index,
        buckets.bucket_lower_seconds,
        buckets.bucket_upper_seconds,
        coalesce(bucket_counts.users_converted, 0) as users_converted,
        coalesce(pair_stats.pair_users_converted, 0) as pair_users_converted,
        pair_stats.pair_median_seconds,
        pair_stats.pair_p90_seconds,
        funnel_days.conversion_fingerprint
    from funnel_days
    inner join pairs
        on funnel_days.funnel_key = pairs.funnel_key
    cross join buckets
    left join pair_stats
        on
            {{ keynode_same_key('funnel_days', 'pair_stats', ['funnel_key', 'funnel_date']) }}
            and {{ keynode_same_key('pairs', 'pair_stats', ['pair_type', 'from_step', 'to_step']) }}
    left join bucket_counts
        on
            {{ keynode_same_key('funnel_days', 'bucket_counts', ['funnel_key', 'funnel_date']) }}
            and {{ keynode_same_key('pairs', 'bucket_counts', ['pair_type', 'from_step', 'to_step']) }}
            and buckets.bucket_index = bucket_counts.bucket_index

),

final as (

    select
        zero_filled.*,
        source_watermark.processed_landed_date
    from zero_filled
    cross join source_watermark

)

select * from final
