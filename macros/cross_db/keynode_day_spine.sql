{#- A select statement with one column `date_day` (a date): one row per day from `first_day` to
    `last_day` inclusive, for each row of `relation` (give a one-row relation). No row when either
    bound is NULL. -#}
{% macro keynode_day_spine(relation, first_day, last_day) -%}
    {{ return(adapter.dispatch('keynode_day_spine', 'keynode')(relation, first_day, last_day)) }}
{%- endmacro %}

{% macro default__keynode_day_spine(relation, first_day, last_day) -%}
    select
        cast(unnest(generate_series(
            cast({{ first_day }} as timestamp), cast({{ last_day }} as timestamp), interval 1 day
        )) as date) as date_day
    from {{ relation }}
{%- endmacro %}

{% macro spark__keynode_day_spine(relation, first_day, last_day) -%}
    select
        explode(sequence(
            cast({{ first_day }} as date), cast({{ last_day }} as date), interval 1 day
        )) as date_day
    from {{ relation }}
{%- endmacro %}
