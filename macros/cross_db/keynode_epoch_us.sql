{#- Microseconds since the Unix epoch of a UTC timestamp (bigint): the timestamp as an exact integer
    (both engines store timestamps in microseconds), for keys that pack it with other integers. -#}
{% macro keynode_epoch_us(expr) -%}
    {{ return(adapter.dispatch('keynode_epoch_us', 'keynode')(expr)) }}
{%- endmacro %}

{% macro default__keynode_epoch_us(expr) -%}
    epoch_us({{ expr }})
{%- endmacro %}

{% macro spark__keynode_epoch_us(expr) -%}
    unix_micros({{ expr }})
{%- endmacro %}
