{#-
    What a valid value of each project var is, in one place: keynode_check_vars applies these rules at
    the start of every dbt run/build/seed/test (on-run-start) and stops with an error naming the var,
    its value and the rule. A new var in dbt_project.yml gets its rule here
    (tests/python/test_var_check.py fails while one is missing).

    Per rule:
      var          the var's name
      kind         integer, number (integers or decimals), boolean, string, iso_date (YYYY-MM-DD, a real
                   calendar day), one_of (a value of `values`), integer_map (a map with an entry for
                   each of `keys`, every value an integer >= `min`) or number_map (entity name -> number
                   within min/max, with an entry for each of `keys`)
      min, max     inclusive bounds (numbers)
      above, below exclusive bounds (numbers)
      not_empty    strings: at least one non-blank character
      safe_path    strings pasted into SQL as a path: no quotes, backslashes, semicolons or control
                   characters
      pattern      strings: a regular expression the whole value must match
      values       one_of: the allowed values; numbers: the allowed values as text ('0.95')
      at_most_var  numbers: must not exceed the value of that other var
      optional     the var need not be set (not in dbt_project.yml); skipped when absent
      default      value used when the var is not set (the same default the models use)
-#}
{% macro keynode_var_rules() -%}
    {{ return([
        {'var': 'keynode__raw_path', 'kind': 'string', 'not_empty': true, 'safe_path': true,
         'optional': true,
         'default': env_var('KEYNODE_RAW_PATH', 'data/raw')},
        {'var': 'keynode__events_source_start', 'kind': 'iso_date'},
        {'var': 'keynode__clock_skew_tolerance_seconds', 'kind': 'integer', 'min': 0},
        {'var': 'keynode__max_unit_price', 'kind': 'number', 'above': 0},
        {'var': 'keynode__max_quantity', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__max_daily_spend', 'kind': 'number', 'above': 0},
        {'var': 'keynode__max_po_quantity', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__allow_negative_order_quantity', 'kind': 'boolean'},
        {'var': 'keynode__session_timeout_minutes', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__lookback_days', 'kind': 'integer', 'min': 0},
        {'var': 'keynode__test_full_history', 'kind': 'boolean'},
        {'var': 'keynode__stitch_inline_max_devices', 'kind': 'integer', 'min': 0},
        {'var': 'keynode__late_event_minutes', 'kind': 'integer', 'min': 0},
        {'var': 'keynode__conversion_window_minutes', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__funnel_max_steps', 'kind': 'integer', 'min': 2, 'optional': true},
        {'var': 'keynode__funnel_portable_sql', 'kind': 'boolean', 'optional': true},
        {'var': 'keynode__sku_calendar_max_days', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__sku_demand_window_days', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__sku_lead_time_window_days', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__sku_lead_time_min_observations', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__sku_service_level', 'kind': 'number', 'above': 0, 'below': 1,
         'values': keynode_sku_service_levels().keys() | list},
        {'var': 'keynode__sku_active_window_days', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__sku_surge_growth_threshold', 'kind': 'number', 'above': 0},
        {'var': 'keynode__sku_surge_min_base_units', 'kind': 'number', 'min': 0},
        {'var': 'keynode__sku_surge_promotion_adjusted', 'kind': 'boolean'},
        {'var': 'keynode__sku_exposure_window_days', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__sku_exposure_rise_factor', 'kind': 'number', 'above': 0},
        {'var': 'keynode__sku_exposure_max_days_of_cover', 'kind': 'number', 'above': 0},
        {'var': 'keynode__sku_reorder_on_inventory_position', 'kind': 'boolean'},
        {'var': 'keynode__cart_abandonment_minutes', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__slow_page_threshold_ms', 'kind': 'number', 'above': 0},
        {'var': 'keynode__detail_to_cart_window_minutes', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__intervention_window_hours', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__cart_reminder_campaign', 'kind': 'string', 'pattern': '[a-z0-9_]{1,64}'},
        {'var': 'keynode__activation_window_minutes', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__anomaly_training_period_days', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__anomaly_min_training_size', 'kind': 'integer', 'min': 1,
         'at_most_var': 'keynode__anomaly_training_period_days'},
        {'var': 'keynode__anomaly_sensitivity', 'kind': 'number', 'above': 0},
        {'var': 'keynode__anomaly_direction', 'kind': 'one_of', 'values': ['drop', 'spike', 'both']},
        {'var': 'keynode__anomaly_confidence_level', 'kind': 'number', 'above': 0, 'below': 1},
        {'var': 'keynode__anomaly_volatility_threshold', 'kind': 'number', 'above': 0},
        {'var': 'keynode__anomaly_correlation_threshold', 'kind': 'number', 'min': -1, 'max': 1},
        {'var': 'keynode__anomaly_stability_threshold', 'kind': 'number', 'min': 0, 'max': 1},
        {'var': 'keynode__anomaly_ladder_window_days', 'kind': 'integer', 'min': 2},
        {'var': 'keynode__anomaly_min_volume', 'kind': 'number', 'min': 0},
        {'var': 'keynode__anomaly_sigma_floor', 'kind': 'number', 'min': 0},
        {'var': 'keynode__anomaly_passes', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__anomaly_min_source_completeness', 'kind': 'number', 'min': 0, 'max': 1},
        {'var': 'keynode__anomaly_max_latency_rate', 'kind': 'number', 'min': 0, 'max': 1},
        {'var': 'keynode__anomaly_min_supported_days', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__anomaly_use_key_signals', 'kind': 'boolean'},
        {'var': 'keynode__anomaly_roi_share_threshold', 'kind': 'number', 'min': 0, 'max': 1},
        {'var': 'keynode__quality_duplicate_share_max', 'kind': 'number', 'min': 0, 'max': 1},
        {'var': 'keynode__quality_freshness_deadline_hours', 'kind': 'integer_map', 'min': 0,
         'keys': ['marketing_exposure', 'inventory_snapshots', 'replenishment_orders', 'orders',
                  'order_lines', 'experiment_assignments']},
        {'var': 'keynode__quality_late_landing_share_max', 'kind': 'number', 'min': 0, 'max': 1},
        {'var': 'keynode__quality_catalog_max_age_days', 'kind': 'integer', 'min': 1},
        {'var': 'keynode__input_max_quarantine_share', 'kind': 'number_map', 'min': 0, 'max': 1,
         'keys': ['default']},
        {'var': 'keynode__input_min_valid_rows', 'kind': 'number_map', 'min': 0, 'keys': ['default']},
        {'var': 'keynode__raw_row_counts', 'kind': 'integer_map', 'min': 0, 'keys': []},
        {'var': 'keynode__publish_min_volume_ratio', 'kind': 'number', 'min': 0, 'max': 1},
    ]) }}
{%- endmacro %}
