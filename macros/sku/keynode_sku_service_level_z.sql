{#-
    The standard-normal quantile z for a cycle service level (the probability of not running out
    during a replenishment lead time), used in safety stock = z · σ · √L. The level comes from var
    `keynode__sku_service_level` unless given. Jinja has no inverse normal CDF, so the usual levels are
    tabulated (keynode_sku_service_levels); any other level is a compile error rather than a guess.
-#}
{% macro keynode_sku_service_level_z(level=none) -%}
    {%- set level = var('keynode__sku_service_level') if level is none else level -%}
    {%- set z_by_level = keynode_sku_service_levels() -%}
    {%- set key = (level | float | string) -%}
    {%- if key not in z_by_level -%}
        {{ exceptions.raise_compiler_error(
            "keynode__sku_service_level=" ~ level ~ " is not supported; use one of "
            ~ (z_by_level.keys() | list | join(', '))) }}
    {%- endif -%}
    {{ return(z_by_level[key]) }}
{%- endmacro %}
