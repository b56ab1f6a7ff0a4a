{#-
    The int_funnel_user_days rows an int_funnel_next_moves run recomputes, as a select (the portable
    version of keynode_funnel_next_moves reads it): all of them (full build), the affected user-days
    (DuckDB: joined to the caller's CTE affected_user_ranges, keynode_funnel_affected_user_ranges) or the
    affected funnel dates (Spark: `affected_dates`, keynode_funnel_affected_dates).
-#}
{% macro keynode_funnel_user_days_to_recompute(per_user_day, affected_dates) -%}
    select user_days.*
    from {{ ref('int_funnel_user_days') }} as user_days
    {%- if is_incremental() and per_user_day %}
    inner join affected_user_ranges
        on
            user_days.funnel_key = affected_user_ranges.funnel_key
            and user_days.user_key = affected_user_ranges.user_key
    where
        user_days.funnel_date >= affected_user_ranges.first_date
        and user_days.funnel_date <= affected_user_ranges.last_date
    {%- elif is_incremental() %}
    where
        {%- if affected_dates %}
        user_days.funnel_date in (
            {%- for d in affected_dates %}
            cast('{{ d }}' as date){{ ',' if not loop.last }}
            {%- endfor %}
        )
        {%- else %}
        false
        {%- endif %}
    {%- endif %}
{%- endmacro %}
