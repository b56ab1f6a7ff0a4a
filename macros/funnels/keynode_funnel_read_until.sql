{#-
    The last event date ('YYYY-MM-DD') the chains starting on `affected_dates` (the ascending list of
    keynode_funnel_affected_dates) can read: the last of them plus keynode_funnel_continuation_days;
    none when the list is empty. Spark's incremental funnel models read events up to it.
-#}
{% macro keynode_funnel_read_until(affected_dates, window_minutes) -%}
    {%- if not affected_dates -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return((
        modules.datetime.date.fromisoformat(affected_dates[-1])
        + modules.datetime.timedelta(days=keynode_funnel_continuation_days(window_minutes))
    ).isoformat()) }}
{%- endmacro %}
