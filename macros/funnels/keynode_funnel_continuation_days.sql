{#-
    How many days past its start date a chain can read events: a chain started on day d can use events
    up to d + 1 day + W (W = `window_minutes`), so ceil(W / 1 day) + 1. Incremental funnel models read
    the events of this many days after the last start date they recompute.
-#}
{% macro keynode_funnel_continuation_days(window_minutes) -%}
    {{ return((window_minutes / 1440) | round(0, 'ceil') | int + 1) }}
{%- endmacro %}
