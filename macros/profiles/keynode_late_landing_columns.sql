{#- The three late-landing columns of a source's profile: late_landing_share (late rows / rows, 0 on an
    empty day), deadline_hours (the source's freshness deadline) and late_landing_share_max (the one
    limit, var keynode__quality_late_landing_share_max) that `keynode check` compares them with. -#}
{% macro keynode_late_landing_columns(late_rows, rows, deadline_hours) -%}
    {{ keynode_share(late_rows, rows) }} as late_landing_share,
        {{ deadline_hours }} as deadline_hours,
        cast({{ var('keynode__quality_late_landing_share_max') }} as double) as late_landing_share_max
{%- endmacro %}
