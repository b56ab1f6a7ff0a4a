{#-
    The cycle service levels keynode can turn into a safety-stock z (Jinja has no inverse normal CDF):
    level (as text) -> the standard-normal quantile Phi^-1(level) to 4 decimals. Read by
    keynode_sku_service_level_z and by the var check (keynode_check_vars).
-#}
{% macro keynode_sku_service_levels() -%}
    {{ return({
        '0.5': 0.0, '0.8': 0.8416, '0.85': 1.0364, '0.9': 1.2816, '0.95': 1.6449, '0.975': 1.96,
        '0.98': 2.0537, '0.99': 2.3263, '0.995': 2.5758, '0.999': 3.0902,
    }) }}
{%- endmacro %}
