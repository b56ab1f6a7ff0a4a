{#-
    Bucket edges (seconds) of the time-to-convert histogram: bucket i covers
    [edges[i], edges[i + 1]); the last bucket is open-ended ([edges[-1], +inf)). Roughly logarithmic:
    0, 1 s, 5 s, 10 s, 30 s, 1 min, 2 min, 5 min, 10 min, 30 min, 1 h, 2 h, 6 h, 12 h (the last bucket
    holds 12 h up to the conversion window). Returns the list of lower edges.
-#}
{% macro keynode_funnel_time_buckets() -%}
    {{ return([0, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 43200]) }}
{%- endmacro %}
