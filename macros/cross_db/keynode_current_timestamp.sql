{#- The run's as-of moment as a UTC timestamp without time zone (raw timestamps are naive UTC). -#}
{% macro keynode_current_timestamp() -%}
    {{ return(adapter.dispatch('keynode_current_timestamp', 'keynode')()) }}
{%- endmacro %}

{% macro default__keynode_current_timestamp() -%}
    cast(current_timestamp as timestamp)
{%- endmacro %}

{% macro spark__keynode_current_timestamp() -%}
    cast(current_timestamp() as timestamp_ntz)
{%- endmacro %}
