{#- In an aggregate: an order-independent fingerprint of the group's rows that satisfy `condition` (all
    when none), the sum of a 64-bit hash of `columns` over them, as a DECIMAL(38, 0); 0 when there are
    none. Equal fingerprints mean the same multiset of values, but for a hash collision (about 2^-64 per
    change): a change detector, not a key. The values differ between engines. -#}
{% macro keynode_rows_fingerprint(columns, condition=none) -%}
    {{ return(adapter.dispatch('keynode_rows_fingerprint', 'keynode')(columns, condition)) }}
{%- endmacro %}

{#- DuckDB: hash() is a UBIGINT; its sum (a HUGEINT) stays far below 10^38 for any row count. -#}
{% macro default__keynode_rows_fingerprint(columns, condition=none) -%}
    {%- set filter = ' filter (where ' ~ condition ~ ')' if condition else '' -%}
    cast(coalesce(sum(hash({{ columns | join(', ') }})){{ filter }}, 0) as decimal(38, 0))
{%- endmacro %}

{#- Spark: xxhash64() is a BIGINT, summed as a DECIMAL(38, 0) (no overflow, no ANSI error). -#}
{% macro spark__keynode_rows_fingerprint(columns, condition=none) -%}
    {%- set hashed = 'cast(xxhash64(' ~ (columns | join(', ')) ~ ') as decimal(38, 0))' -%}
    {%- set summed = ('case when ' ~ condition ~ ' then ' ~ hashed ~ ' end') if condition else hashed -%}
    cast(coalesce(sum({{ summed }}), 0) as decimal(38, 0))
{%- endmacro %}
