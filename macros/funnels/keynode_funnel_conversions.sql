{#-
    One row per user-day and converted node pair, with seconds_to_convert, as a select over
    `user_days` (int_funnel_user_days) and `funnel_lengths` (funnel_key, funnel_steps = the funnel's
    node count):
      * adjacent pairs (k-1 -> k) for every user-day with max_step_reached >= k:
        step_k_reached_at - step_(k-1)_reached_at;
      * end to end (1 -> N) for every user-day that reached the funnel's last node:
        step_N_reached_at - step_01_reached_at.
    Times are those of the user-day's reported chain (see int_funnel_user_days). `max_steps` must
    be the number of step_NN_reached_at columns of `user_days` (`keynode_funnel_max_steps()`).
    One pass over `user_days`: each user-day is joined to the list of pairs (a literal list, pair_to_step
    NULL for end to end) and each pair's two step times are picked by step number, so the engine reads
    the table once rather than once per pair (Spark plans a union of max_steps scans as as many stages).
-#}
{% macro keynode_funnel_conversions(user_days, funnel_lengths, max_steps) -%}
    {%- set max_steps = [max_steps | int, 2] | max -%}
    {%- set to_step = 'coalesce(pairs.pair_to_step, funnel_lengths.funnel_steps)' -%}
    {%- set to_ts = keynode_funnel_step_reached_at('user_days', to_step, 2, max_steps) -%}
    {%- set from_ts = keynode_funnel_step_reached_at('user_days', 'pairs.from_step', 1, max_steps - 1) -%}
    select
        user_days.funnel_key,
        user_days.funnel_date,
        pairs.pair_type,
        pairs.from_step,
        {{ to_step }} as to_step,
        (
            {{ keynode_epoch_ms(to_ts) }}
            - {{ keynode_epoch_ms(from_ts) }}
        ) / cast(1000 as double) as seconds_to_convert
    from {{ user_days }} as user_days
    inner join {{ funnel_lengths }} as funnel_lengths
        on user_days.funnel_key = funnel_lengths.funnel_key
    cross join ({{ keynode_funnel_step_pairs(max_steps) }}
    ) as pairs
    where
        {{ to_step }} >= 2
        and {{ to_step }} <= funnel_lengths.funnel_steps
        and user_days.max_step_reached >= {{ to_step }}
{%- endmacro %}
