{#-
    Generic test: the model has `rows_per_day` rows (default 1) for every day from its first to its
    last day, so no day is missing. Returns one row, with the counts, when the row count differs from
    the days spanned times `rows_per_day`. Combine with a unique test on the grain. Column-level, on a
    DATE column:
        columns:
          - name: date_day
            data_tests: [keynode_gapless_days]
-#}
{% test keynode_gapless_days(model, column_name, rows_per_day=1) %}

with

bounds as (

    select
        count(*) as row_count,
        count(distinct {{ column_name }}) as day_count,
        min({{ column_name }}) as first_day,
        max({{ column_name }}) as last_day
    from {{ model }}

),

final as (

    select * from bounds
    where
        row_count > 0
        and (
            row_count <> day_count * {{ rows_per_day }}
            or day_count <> {{ dbt.datediff('first_day', 'last_day', 'day') }} + 1
        )

)

select * from final

{% endtest %}
