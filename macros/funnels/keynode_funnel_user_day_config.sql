{#-
    The config of a table keyed by funnel user-day that an incremental run rewrites in part
    (int_funnel_user_days, int_funnel_next_moves), for `config(**keynode_funnel_user_day_config())`:
    DuckDB replaces single user-days (delete+insert on funnel_key, user_key, funnel_date) and then
    deletes the user-days left without a node-1 event (keynode_funnel_delete_orphan_user_days, a
    post-hook); Spark, without a merge, overwrites whole funnel_date partitions. Both run the funnel
    session settings around the model (its ASOF joins, keynode_funnel_session_settings).
-#}
{% macro keynode_funnel_user_day_config() -%}
    {%- set per_user_day = target.type != 'spark' -%}
    {#- rendered when the hook runs: `this` and the ref are the built relations; a full refresh (where
        is_incremental() is false even after the build) has no orphans, and the hook renders empty -#}
    {%- set orphan_delete = (
        "{{ keynode_funnel_delete_orphan_user_days(this, ref('int_funnel_events')) if is_incremental() }}"
    ) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': keynode_incremental_strategy(),
        'unique_key': (['funnel_key', 'user_key', 'funnel_date'] if per_user_day else 'funnel_date'),
        'partition_by': (['funnel_date'] if target.type == 'spark' else none),
        'file_format': ('parquet' if target.type == 'spark' else none),
        'pre_hook': keynode_funnel_session_settings(),
        'post_hook':
            [keynode_funnel_session_settings(reset=true)] + ([orphan_delete] if per_user_day else []),
    }) }}
{%- endmacro %}
