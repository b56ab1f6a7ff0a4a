{#-
    The settings the models keyed by funnel user-day (int_funnel_user_days, int_funnel_next_moves) read,
    resolved once, as a dict for `{% set funnel = keynode_funnel_user_day_settings() %}`:
    window_minutes (var keynode__conversion_window_minutes), lookback_days (var keynode__lookback_days),
    max_steps (keynode_funnel_max_steps), continuation_days (keynode_funnel_continuation_days) and
    per_user_day: true where an incremental run replaces single user-days (DuckDB), false where it
    overwrites whole funnel_date partitions (Spark); keynode_funnel_user_day_config applies the same rule.
-#}
{% macro keynode_funnel_user_day_settings() -%}
    {%- set window_minutes = var('keynode__conversion_window_minutes') | int -%}
    {{ return({
        'window_minutes': window_minutes,
        'lookback_days': var('keynode__lookback_days') | int,
        'max_steps': keynode_funnel_max_steps(),
        'continuation_days': keynode_funnel_continuation_days(window_minutes),
        'per_user_day': target.type != 'spark',
    }) }}
{%- endmacro %}
