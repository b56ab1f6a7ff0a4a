{#- Each row of `relation` twice: in its day (period_type 'day', period_start = period_end = the row's
    `date_column`) and in the overall period (period_type 'overall', from the first to the last day of
    `relation`), with its `columns`; the behaviour marts group this by period. -#}
{% macro keynode_day_and_overall_periods(relation, date_column, columns) -%}
    select
        'day' as period_type,
        {{ date_column }} as period_start,
        {{ date_column }} as period_end,
        {{ columns | join(', ') }}
    from {{ relation }}

    union all

    select
        'overall' as period_type,
        bounds.first_date as period_start,
        bounds.last_date as period_end,
        {%- for column in columns %}
        {{ relation }}.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    cross join (
        select
            min({{ date_column }}) as first_date,
            max({{ date_column }}) as last_date
        from {{ relation }}
    ) as bounds
{%- endmacro %}
