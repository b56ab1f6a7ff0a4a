{#-
    The body of a `users` CTE: one row per distinct (funnel_key, user_key) of `relation` with its compact
    integer user_number (keynode_compact_key). Funnel lookups key on it: an integer sorts and joins far
    cheaper than two strings. Read by keynode_window_funnel and fct_node_key_signals.
-#}
{% macro keynode_funnel_user_numbers(relation) -%}
    select
        funnel_key,
        user_key,
        {{ keynode_compact_key(['funnel_key', 'user_key']) }} as user_number
    from (
        select distinct
            funnel_key,
            user_key
        from {{ relation }}
    ) as distinct_users
{%- endmacro %}
