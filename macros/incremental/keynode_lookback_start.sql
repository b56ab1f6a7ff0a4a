{#-
    For an incremental run: the first landing date to reprocess, i.e. the newest landing date already
    in `this` minus var `keynode__lookback_days`. Rows that landed on or after it are reprocessed, so
    late-arriving rows (which land in later partitions) reach the right business day.
    `column` is the landing-date column of `this`.
-#}
{% macro keynode_lookback_start(column='landed_date') -%}
    (
        select {{ dbt.dateadd('day', -1 * var('keynode__lookback_days'), 'max(' ~ column ~ ')') }}
        from {{ this }}
    )
{%- endmacro %}
