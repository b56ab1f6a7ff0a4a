{#-
    One row per SKU, day and replenishment rule that fires on it, with the figures that met the rule
    and a recommended order quantity. Consecutive firing days of the same SKU and rule are one open
    alert: they share alert_id (SKU + rule + the first day of the run) and only the first has
    is_new_alert. Rules and thresholds (vars) are defined in _sku__docs.md.
-#}
{%- set growth_threshold = var('keynode__sku_surge_growth_threshold') %}
{%- set min_base_units = var('keynode__sku_surge_min_base_units') %}
{%- set growth_measure = 'promotion_adjusted_growth_7d' if var('keynode__sku_surge_promotion_adjusted')
    else 'sales_growth_7d' %}
{%- set rise_factor = var('keynode__sku_exposure_rise_factor') %}
{%- set max_cover = var('keynode__sku_exposure_max_days_of_cover') %}
{%- set on_position = var('keynode__sku_reorder_on_inventory_position') %}
{%- set stock_measure = 'inventory_position' if on_position else 'available' %}

with

sku_days as (

    select * from {{ ref('fct_sku_daily') }}

),

rule_checks as (

    select
        *,
        coalesce(
            {{ growth_measure }} > {{ growth_threshold }} and previous_7d_units >= {{ min_base_units }}, false
        ) as is_sales_surge,
        coalesce({{ stock_measure }} < reorder_point, false) as is_below_reorder_point,
        coalesce(
            trailing_exposure_impressions > {{ rise_factor }} * previous_exposure_impressions
            and trailing_exposure_impressions > 0
            and days_of_cover < {{ max_cover }},
            false
        ) as is_exposure_rising_low_cover
    from sku_days

),

sales_surge as (

    select
        date_day,
        sku_id,
        'sales_surge' as rule_key,
        '{{ growth_measure }}' as rule_metric,
        {{ growth_measure }} as rule_value,
        cast({{ growth_threshold }} as double) as rule_threshold,
        '{{ growth_measure }} > {{ growth_threshold }} and previous_7d_units >= {{ min_base_units }}'
            as rule_condition
    from rule_checks
    where is_sales_surge

),

below_reorder_point as (

    select
        date_day,
        sku_id,
        'below_reorder_point' as rule_key,
        '{{ stock_measure }}' as rule_metric,
        cast({{ stock_measure }} as double) as rule_value,
        reorder_point as rule_threshold,
        '{{ stock_measure }} < reorder_point' as rule_condition
    from rule_checks
    where is_below_reorder_point

),

exposure_rising_low_cover as (

    select
        date_day,
        sku_id,
        'exposure_rising_low_cover' as rule_key,
        'exposure_rise_ratio' as rule_metric,
        case
            when previous_exposure_impressions > 0
                then cast(trailing_exposure_impressions as double) / previous_exposure_impressions
        end as rule_value,
        cast({{ rise_factor }} as double) as rule_threshold,
        'trailing_exposure_impressions > {{ rise_factor }} * previous_exposure_impressions'
        || ' and days_of_cover < {{ max_cover }}' as rule_condition
    from rule_checks
    where is_exposure_rising_low_cover

),

fired as (

    select * from sales_surge
    union all
    select * from below_reorder_point
    union all
    select * from exposure_rising_low_cover

),

sequenced as (

    select
        *,
        lag(date_day) over (partition by sku_id, rule_key order by date_day) as previous_fired_date
    from fired

),

flagged as (

    select
        *,
        coalesce(previous_fired_date <> cast({{ dbt.dateadd('day', -1, 'date_day') }} as date), true)
            as is_new_alert
    from sequenced

),

opened as (

    select
        *,
        max(case when is_new_alert then date_day end) over (
            partition by sku_id, rule_key order by date_day rows between unbounded preceding and current row
        ) as alert_opened_date
    from flagged

),

final as (

    select
        {{ dbt.concat(['opened.sku_id', "':'", 'opened.rule_key', "':'",
            'cast(opened.alert_opened_date as ' ~ dbt.type_string() ~ ')']) }} as alert_id,
        opened.date_day as alert_date,
        opened.sku_id,
        rule_checks.category,
        opened.rule_key,
        opened.alert_opened_date,
        opened.is_new_alert,
        -- dbt's datediff renders one long line
        -- noqa: disable=LT05
        cast({{ dbt.datediff('opened.alert_opened_date', 'opened.date_day', 'day') }} + 1 as integer)
            as days_open,
        -- noqa: enable=LT05
        opened.rule_metric,
        cast(opened.rule_value as double) as rule_value,
        cast(opened.rule_threshold as double) as rule_threshold,
        opened.rule_condition,
        rule_checks.units,
        rule_checks.trailing_7d_units,
        rule_checks.previous_7d_units,
        rule_checks.sales_growth_7d,
        rule_checks.promotion_factor_7d,
        rule_checks.available,
        rule_checks.inbound,
        rule_checks.inventory_position,
        rule_checks.is_stockout,
        rule_checks.avg_daily_demand,
        rule_checks.days_of_cover,
        rule_checks.lead_time_days,
        rule_checks.safety_stock,
        rule_checks.reorder_point,
        rule_checks.trailing_exposure_impressions,
        rule_checks.previous_exposure_impressions,
        rule_checks.spend,
        rule_checks.promotion_days_7d > 0 as in_promotion_window,
        cast(case
            when rule_checks.reorder_point is not null and rule_checks.inventory_position is not null
                then greatest(ceil(rule_checks.reorder_point - rule_checks.inventory_position), 0)
        end as bigint) as recommended_order_quantity
    from opened
    inner join rule_checks
        on opened.date_day = rule_checks.date_day and opened.sku_id = rule_checks.sku_id

)

select * from final
