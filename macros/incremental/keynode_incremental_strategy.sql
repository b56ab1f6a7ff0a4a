{#-
    The incremental strategy keynode uses on the current target: DuckDB replaces the reprocessed
    keys (delete+insert); Spark without Delta/Iceberg has no merge, so it overwrites partitions.
-#}
{% macro keynode_incremental_strategy() -%}
    {{ return(adapter.dispatch('keynode_incremental_strategy', 'keynode')()) }}
{%- endmacro %}

{% macro default__keynode_incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__keynode_incremental_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}
