{#-
    The registry of node anomaly metrics (keynode_anomaly_metrics) as a table: one row per metric with
    the properties the models read from it, so Python (keynode calibrate) reads the same definitions
    instead of copying them. default_direction is resolved as fct_node_anomalies resolves it: the
    registry's direction, or var keynode__anomaly_direction where the registry has none.
-#}
{%- set default_direction = var('keynode__anomaly_direction') -%}

with

registry as (

    {%- for metric in keynode_anomaly_metrics() %}
        select
            '{{ metric.name }}' as metric_name,
            '{{ metric.kind }}' as metric_kind,
            '{{ metric.direction or default_direction }}' as default_direction,
            {{ 'true' if metric.censorable else 'false' }} as is_censorable,
            {{ 'true' if metric.needs_complete_source else 'false' }} as needs_complete_source,
            {{ 'true' if metric.min_volume_applies else 'false' }} as min_volume_applies,
            {{ 'true' if metric.alertable else 'false' }} as is_alertable
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select * from registry

)

select * from final
