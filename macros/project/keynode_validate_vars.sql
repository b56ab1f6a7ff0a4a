{#- Stops a dbt invocation before any node runs when a keynode__ var (dbt_project.yml or --vars) has a
    value that could change the SQL it is pasted into: numbers must be numbers, dates ISO dates, words
    lower-case identifiers, the raw path free of quotes and control characters. Run as on-run-start;
    renders no SQL. tests/python/test_publish.py checks that every var of dbt_project.yml is listed. -#}
{% macro keynode_validate_vars() %}
    {%- set numbers = [
        'keynode__clock_skew_tolerance_seconds', 'keynode__max_unit_price', 'keynode__max_quantity',
        'keynode__max_daily_spend', 'keynode__max_po_quantity', 'keynode__session_timeout_minutes',
        'keynode__lookback_days', 'keynode__late_event_minutes', 'keynode__conversion_window_minutes',
        'keynode__sku_calendar_max_days', 'keynode__sku_demand_window_days',
        'keynode__sku_lead_time_window_days', 'keynode__sku_lead_time_min_observations',
        'keynode__sku_service_level', 'keynode__sku_active_window_days',
        'keynode__sku_surge_growth_threshold',
        'keynode__sku_surge_min_base_units', 'keynode__sku_exposure_window_days',
        'keynode__sku_exposure_rise_factor', 'keynode__sku_exposure_max_days_of_cover',
        'keynode__cart_abandonment_minutes', 'keynode__slow_page_threshold_ms',
        'keynode__detail_to_cart_window_minutes', 'keynode__intervention_window_hours',
        'keynode__activation_window_minutes', 'keynode__anomaly_training_period_days',
        'keynode__anomaly_min_training_size', 'keynode__anomaly_sensitivity',
        'keynode__anomaly_confidence_level', 'keynode__anomaly_volatility_threshold',
        'keynode__anomaly_correlation_threshold', 'keynode__anomaly_stability_threshold',
        'keynode__anomaly_ladder_window_days', 'keynode__anomaly_min_volume', 'keynode__anomaly_sigma_floor',
        'keynode__anomaly_passes', 'keynode__anomaly_max_latency_rate', 'keynode__anomaly_min_supported_days',
        'keynode__anomaly_roi_share_threshold', 'keynode__publish_min_volume_ratio',
        'keynode__funnel_max_steps'
    ] -%}
    {%- set booleans = [
        'keynode__allow_negative_order_quantity', 'keynode__sku_surge_promotion_adjusted',
        'keynode__sku_reorder_on_inventory_position', 'keynode__anomaly_use_key_signals',
        'keynode__funnel_portable_sql'
    ] -%}
    {%- set dates = ['keynode__events_source_start'] -%}
    {%- set words = ['keynode__cart_reminder_campaign', 'keynode__anomaly_direction'] -%}
    {%- set word_lists = ['keynode__anomaly_alert_metrics'] -%}
    {%- set number_maps = ['keynode__publish_max_quarantine_share', 'keynode__publish_min_valid_rows'] -%}
    {%- set paths = ['keynode__raw_path'] -%}
    {%- set word = '[a-z][a-z0-9_]{0,63}' -%}
    {%- set problems = [] -%}
    {%- for name in numbers if var(name, none) is not none and not (var(name) is number) -%}
        {%- do problems.append(name ~ ' must be a number') -%}
    {%- endfor -%}
    {%- for name in booleans if var(name, none) is not none and var(name) not in [true, false] -%}
        {%- do problems.append(name ~ ' must be true or false') -%}
    {%- endfor -%}
    {%- for name in dates if var(name, none) is not none
        and not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', var(name) | string) -%}
        {%- do problems.append(name ~ ' must be a date YYYY-MM-DD') -%}
    {%- endfor -%}
    {%- for name in words if var(name, none) is not none
        and not modules.re.fullmatch(word, var(name) | string) -%}
        {%- do problems.append(name ~ ' must be a lower-case identifier') -%}
    {%- endfor -%}
    {%- for name in word_lists if var(name, none) is not none -%}
        {%- set value = var(name) -%}
        {%- set ok = namespace(value=not (value is string or value is mapping) and value is iterable) -%}
        {%- for item in (value if ok.value else []) -%}
            {%- if not (item is string and modules.re.fullmatch(word, item)) -%}
                {%- set ok.value = false -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if not ok.value -%}
            {%- do problems.append(name ~ ' must be a list of lower-case identifiers') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in number_maps if var(name, none) is not none -%}
        {%- set value = var(name) -%}
        {%- set ok = namespace(value=value is mapping) -%}
        {%- for key, item in (value.items() if ok.value else []) -%}
            {%- if not (item is number and modules.re.fullmatch(word, key | string)) -%}
                {%- set ok.value = false -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if not ok.value -%}
            {%- do problems.append(name ~ ' must map lower-case names to numbers') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in paths if var(name, none) is not none -%}
        {%- set value = var(name) | string -%}
        {%- if "'" in value or '\\' in value or modules.re.search('[\\x00-\\x1f]', value) -%}
            {%- do problems.append(name ~ ' must not contain quotes, backslashes or control characters') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            'refusing unsafe dbt vars (nothing was run): ' ~ problems | join('; ')) }}
    {%- endif -%}
{% endmacro %}
