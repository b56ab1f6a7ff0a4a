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
-#}
{% macro keynode_funnel_conversions(user_days, funnel_lengths, max_steps) -%}
    {%- set max_steps = [max_steps | int, 2] | max -%}
    {%- set last_step_ts -%}
        case funnel_lengths.funnel_steps
            {%- for step in range(2, max_steps + 1) %}
            when {{ step }} then user_days.step_{{ '%02d' | format(step) }}_reached_at
            {%- endfor %}
        end
    {%- endset -%}
    {% for step in range(2, max_steps + 1) -%}
    {% if not loop.first %}union all

    {% endif -%}
    select
        user_days.funnel_key,
        user_days.funnel_date,
        'adjacent' as pair_type,
        {{ step - 1 }} as from_step,
        {{ step }} as to_step,
        (
            {{ keynode_epoch_ms('user_days.step_%02d_reached_at' | format(step)) }}
            - {{ keynode_epoch_ms('user_days.step_%02d_reached_at' | format(step - 1)) }}
        ) / cast(1000 as double) as seconds_to_convert
    from {{ user_days }} as user_days
    inner join {{ funnel_lengths }} as funnel_lengths
        on user_days.funnel_key = funnel_lengths.funnel_key
    where
        user_days.max_step_reached >= {{ step }}
        and funnel_lengths.funnel_steps >= {{ step }}

    {% endfor -%}
    union all

    select
        user_days.funnel_key,
        user_days.funnel_date,
        'end_to_end' as pair_type,
        1 as from_step,
        funnel_lengths.funnel_steps as to_step,
        (
            {{ keynode_epoch_ms(last_step_ts) }}
            - {{ keynode_epoch_ms('user_days.step_01_reached_at') }}
        ) / cast(1000 as double) as seconds_to_convert
    from {{ user_days }} as user_days
    inner join {{ funnel_lengths }} as funnel_lengths
        on user_days.funnel_key = funnel_lengths.funnel_key
    where
        funnel_lengths.funnel_steps >= 2
        and user_days.max_step_reached >= funnel_lengths.funnel_steps
{%- endmacro %}
