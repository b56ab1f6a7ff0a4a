{#- A hash of the columns that make up a row's payload (NULL and the empty string hash differently), to
    tell an exact repeat of a key (a duplicate) from a conflicting copy (same key, different payload). -#}
{% macro keynode_payload_hash(columns) -%}
    {%- set parts = [] -%}
    {%- for c in columns -%}
        {%- do parts.append("coalesce(" ~ dbt.cast(c, dbt.type_string()) ~ ", '<null>')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
