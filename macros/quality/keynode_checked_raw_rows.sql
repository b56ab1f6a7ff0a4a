{#-
    The body of a base model (every landed row of a raw-zone entity, typed and checked, with its copy
    rank) from the entity's column spec in keynode_raw_entities (`typed`). The checks run in this order:
    `missing_id` for each `required` column (on a numeric column only when the number itself is fine),
    `missing_ingested_at`, the number issue of the numeric columns (keynode_number_issue), the entity's own
    `checks` (keynode_first_failed_check dicts; columns as `typed.<name>`), then `unknown_sku` when
    `known_skus` (the sku_id is not in stg_catalog__skus).
-#}
{% macro keynode_checked_raw_rows(entity, required, key, checks=[], known_skus=false, newest_first=false) -%}
    {%- set spec = keynode_raw_entities() | selectattr('entity', 'equalto', entity) | first -%}
    {%- set casts = {'date': 'date', 'timestamp': 'timestamp', 'boolean': 'boolean', 'double': 'double'} -%}
    {%- set ns = namespace(numbers=[], checks=[]) -%}
    {%- for name, kind in spec.typed.items() if kind in ['integer', 'bigint', 'double'] -%}
        {%- do ns.numbers.append({'column': name, 'name': name, 'type': kind}) -%}
    {%- endfor -%}
    {%- for name in required -%}
        {%- set number_fine = (
            ' and typed.number_issue is null' if spec.typed[name] in ['integer', 'bigint'] else ''
        ) -%}
        {%- do ns.checks.append(
            {'reason': 'missing_id', 'column': name, 'fails_when': 'typed.' ~ name ~ ' is null' ~ number_fine}
        ) -%}
    {%- endfor -%}
    {%- do ns.checks.append(
        {'reason': 'missing_ingested_at', 'column': 'ingested_at', 'fails_when': 'typed.ingested_at is null'}
    ) -%}
    {%- if ns.numbers -%}
        {%- do ns.checks.append({
            'reason_expr': 'typed.number_issue', 'column_expr': 'typed.number_issue_column',
            'fails_when': 'typed.number_issue is not null',
        }) -%}
    {%- endif -%}
    {%- do ns.checks.extend(checks) -%}
    {%- if known_skus -%}
        {%- do ns.checks.append(
            {'reason': 'unknown_sku', 'column': 'sku_id', 'fails_when': 'skus.sku_id is null'}
        ) -%}
    {%- endif -%}
with

source as (

    select * from {{ source(spec.source, entity) }}

),
{%- if known_skus %}

skus as (

    select sku_id from {{ ref('stg_catalog__skus') }}

),
{%- endif %}

typed as (

    select
    {%- for name, kind in spec.typed.items() %}
        {% if kind == 'id' -%}
            {{ keynode_clean_id(name) }}
        {%- elif kind in ['integer', 'bigint'] -%}
            {{ keynode_integer(name, kind) }}
        {%- elif kind in casts -%}
            cast({{ name }} as {{ casts[kind] }})
        {%- endif -%}
        {%- if kind != 'text' %} as {% endif %}{{ name }},
    {%- endfor %}
        cast(ingested_at as timestamp) as ingested_at,
        filename as raw_file,
        cast(file_row_number as bigint) as raw_row_number,
        cast(dt as date) as landed_date
        {%- if ns.numbers %},
        {{ keynode_number_issue(ns.numbers) }}
        {%- endif %}
    from source

),

checked as (

    select
        typed.*,
        {{ keynode_first_failed_check(ns.checks) }}
    from typed
    {%- if known_skus %}
    left join skus
        on typed.sku_id = skus.sku_id
    {%- endif %}

),

final as (

    select
        *,
        {{ keynode_copy_rank(key, ingested_at=('ingested_at desc' if newest_first else 'ingested_at')) }}
    from checked

)

select * from final
{%- endmacro %}
