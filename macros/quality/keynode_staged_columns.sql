{#-
    The select list of a staging model: the entity's typed columns (keynode_raw_entities `typed`, in that
    order), then ingested_at and landed_date. `replace` maps a typed column to the select-list items that
    stand in its place (list it among them to keep it, e.g. {'reserved': ['reserved', 'on_hand - reserved
    as available']}); `relation` qualifies the plain column names (e.g. 'checked').
-#}
{% macro keynode_staged_columns(entity, replace={}, relation=none) -%}
    {%- set spec = keynode_raw_entities() | selectattr('entity', 'equalto', entity) | first -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- set ns = namespace(items=[]) -%}
    {%- for name in spec.typed.keys() | list + ['ingested_at', 'landed_date'] -%}
        {%- do ns.items.extend(replace.get(name, [prefix ~ name])) -%}
    {%- endfor -%}
    {{ ns.items | join(',\n        ') }}
{%- endmacro %}
