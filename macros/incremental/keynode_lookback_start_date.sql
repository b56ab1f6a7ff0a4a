{#-
    Like keynode_lookback_start, but resolved when the model is compiled and returned as a date
    literal: the newest landing date in `this` minus var `keynode__lookback_days`. A literal lets the
    engine prune source files by their landing-date partition (a subquery would be evaluated after
    every file was listed and opened). An empty `this` gives 1900-01-01, i.e. everything.
-#}
{% macro keynode_lookback_start_date(column='landed_date') -%}
    {%- set start = '1900-01-01' -%}
    {%- if execute -%}
        {%- set result = run_query(
            'select ' ~ dbt.dateadd('day', -1 * var('keynode__lookback_days'), 'max(' ~ column ~ ')')
            ~ ' as lookback_start from ' ~ this
        ) -%}
        {%- set value = result.columns[0].values()[0] -%}
        {%- if value is not none -%}
            {%- set start = (value | string)[:10] -%}
        {%- endif -%}
    {%- endif -%}
    {{- return("cast('" ~ start ~ "' as date)") -}}
{%- endmacro %}
