{#-
    The registry of node anomaly metrics: each metric is defined here once. fct_node_metrics_daily
    generates its rows from it, fct_node_anomalies reads the default direction, censoring and the
    source-completeness gate from it, and fct_node_alerts and int_anomaly_node_ladder_daily the
    metrics that raise incidents; int_anomaly_metrics holds it as a table for Python (keynode
    calibrate). The doc block anomaly_metric_catalogue describes the same metrics
    (tests/python/test_anomaly_metric_registry.py proves both list the same ones).

    Per metric:
      name                   metric_name in the marts
      kind                   rate (numerator / denominator), count (the numerator itself) or duration
                             (mean: total / units timed); decides the baseline model (doc anomaly_baseline)
      direction              direction tested unless the seed node_metric_thresholds says otherwise:
                             drop, spike or both; none = the project default, var keynode__anomaly_direction
      censorable             a funnel metric: days whose conversion window runs past the last complete day
                             of data are right-censored and not scored
      needs_complete_source  scored only on days the events source is at least
                             keynode__anomaly_min_source_completeness complete (false for the data-quality
                             metrics, which report an incomplete day themselves)
      min_volume_applies     scored only when the denominator is at least min_volume (false when the
                             denominator is not a volume, e.g. the 24 hours of completeness)
      alertable              flagged days open incidents in fct_node_alerts and count against stability
      source                 CTE of fct_node_metrics_daily it is read from: funnel_daily
                             (fct_node_funnel_daily), step_times (int_funnel_user_days) or node_quality
                             (int_anomaly_node_quality_daily)
      date_column            the source's day column (becomes metric_date)
      numerator, denominator SQL expressions over the source's columns
      filter                 SQL condition on the source's rows (none = every row)
-#}
{% macro keynode_anomaly_metrics() -%}
    {%- set metrics = [
        {'name': 'step_conversion', 'kind': 'rate', 'direction': none,
         'censorable': true, 'needs_complete_source': true, 'min_volume_applies': true, 'alertable': true,
         'source': 'funnel_daily', 'date_column': 'funnel_date',
         'numerator': 'users_reached', 'denominator': 'users_reached_previous', 'filter': 'node_step > 1'},
        {'name': 'drop_off', 'kind': 'rate', 'direction': 'spike',
         'censorable': true, 'needs_complete_source': true, 'min_volume_applies': true, 'alertable': false,
         'source': 'funnel_daily', 'date_column': 'funnel_date',
         'numerator': 'users_dropped', 'denominator': 'users_reached_previous', 'filter': 'node_step > 1'},
        {'name': 'reach', 'kind': 'count', 'direction': none,
         'censorable': true, 'needs_complete_source': true, 'min_volume_applies': true, 'alertable': true,
         'source': 'funnel_daily', 'date_column': 'funnel_date',
         'numerator': 'users_reached', 'denominator': 'users_reached', 'filter': none},
        {'name': 'time_to_convert', 'kind': 'duration', 'direction': 'spike',
         'censorable': true, 'needs_complete_source': true, 'min_volume_applies': true, 'alertable': false,
         'source': 'step_times', 'date_column': 'funnel_date',
         'numerator': 'minutes_total', 'denominator': 'users_timed', 'filter': none},
        {'name': 'data_latency_rate', 'kind': 'rate', 'direction': 'spike',
         'censorable': false, 'needs_complete_source': false, 'min_volume_applies': true, 'alertable': true,
         'source': 'node_quality', 'date_column': 'event_date',
         'numerator': 'late_events', 'denominator': 'node_events', 'filter': none},
        {'name': 'completeness', 'kind': 'rate', 'direction': none,
         'censorable': false, 'needs_complete_source': false, 'min_volume_applies': false, 'alertable': true,
         'source': 'node_quality', 'date_column': 'event_date',
         'numerator': 'source_hours_present', 'denominator': '24', 'filter': none},
        {'name': 'bounce_rate', 'kind': 'rate', 'direction': 'spike',
         'censorable': false, 'needs_complete_source': true, 'min_volume_applies': true, 'alertable': false,
         'source': 'node_quality', 'date_column': 'event_date',
         'numerator': 'bounced_sessions', 'denominator': 'landing_sessions',
         'filter': 'landing_sessions > 0'},
    ] -%}
    {%- set keys = ['name', 'kind', 'direction', 'censorable', 'needs_complete_source', 'min_volume_applies',
                    'alertable', 'source', 'date_column', 'numerator', 'denominator', 'filter'] -%}
    {%- for m in metrics -%}
        {%- if m.keys() | sort != keys | sort -%}
            {{ exceptions.raise_compiler_error(
                'keynode_anomaly_metrics: metric ' ~ m.get('name')
                ~ ' must have exactly the keys ' ~ keys | sort
            ) }}
        {%- endif -%}
        {%- if m.kind not in ['rate', 'count', 'duration'] -%}
            {{ exceptions.raise_compiler_error(
                'keynode_anomaly_metrics: metric ' ~ m.name ~ ' has kind ' ~ m.kind
                ~ ' (rate, count or duration)'
            ) }}
        {%- endif -%}
        {%- if m.direction not in [none, 'drop', 'spike', 'both'] -%}
            {{ exceptions.raise_compiler_error(
                'keynode_anomaly_metrics: metric ' ~ m.name ~ ' has direction ' ~ m.direction
                ~ ' (drop, spike, both or none)'
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if metrics | map(attribute='name') | unique | list | length != metrics | length -%}
        {{ exceptions.raise_compiler_error('keynode_anomaly_metrics: metric names must be unique') }}
    {%- endif -%}
    {{ return(metrics) }}
{%- endmacro %}
