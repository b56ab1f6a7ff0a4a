{#-
    A pre-hook for an incremental model whose own query reads a column added in a later keynode version
    (a watermark such as processed_landed_date): adds `column` (`data_type`, NULL in the stored rows) to
    the built `relation` when it lacks it, so the first run after an upgrade does not fail; the model
    treats a NULL watermark as "recompute everything". A no-op statement when the relation is not built
    yet or already has the column.
-#}
{% macro keynode_add_column_if_missing(relation, column, data_type) -%}
    {%- set existing = load_relation(relation) if execute else none -%}
    {%- if existing is not none
        and column not in (adapter.get_columns_in_relation(existing) | map(attribute='name') | list) -%}
        alter table {{ relation }} add column {{ column }} {{ data_type }}
    {%- else -%}
        select 1 as no_column_to_add
    {%- endif -%}
{%- endmacro %}
