{#-
    The end of a daily data-quality profile whose counts are in a CTE `daily` (one row per date_day): the
    day spine (keynode_profile_days), then `final`, one row per day with the counts zero-filled
    (keynode_zero_filled), the `extra` select-list items, and, given `late_landing` = (late-rows count,
    rows count, deadline hours), the late-landing columns (keynode_late_landing_columns); then
    `select * from final`.
-#}
{% macro keynode_profile_final(counts, late_landing=none, extra=[]) -%}
days as (

    {{ keynode_profile_days('daily') }}

),

final as (

    select
        days.date_day,
        {{ keynode_zero_filled('daily', counts) }}
        {%- for item in extra %},
        {{ item }}
        {%- endfor %}
        {%- if late_landing %},
        {{ keynode_late_landing_columns(
            'daily.' ~ late_landing[0], 'daily.' ~ late_landing[1], late_landing[2]
        ) }}
        {%- endif %}
    from days
    left join daily
        on days.date_day = daily.date_day

)

select * from final
{%- endmacro %}
