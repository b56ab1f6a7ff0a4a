{#-
    Post-hook of int_funnel_conversions_bucketed on DuckDB, which replaces whole funnel days
    (delete+insert on funnel_key, funnel_date): deletes the rows of `bucketed` whose funnel day has no
    user-day left in `user_days` (int_funnel_user_days). delete+insert replaces only the days a run
    produces, and a day without user-days produces none. One anti-join on the two key columns.
-#}
{% macro keynode_funnel_delete_vanished_days(bucketed, user_days) -%}
    delete from {{ bucketed }} as bucketed
    where not exists (
        select 1
        from {{ user_days }} as user_days
        where
            user_days.funnel_key = bucketed.funnel_key
            and user_days.funnel_date = bucketed.funnel_date
    )
{%- endmacro %}
