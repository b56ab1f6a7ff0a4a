{#-
    Turns an ordered list of validity checks into two columns: the reason code of the first check a
    row fails (NULL when it passes them all) and the column that failed.

    `checks` is a list of dicts, in priority order:
        {'reason': 'missing_id', 'column': 'event_id', 'fails_when': 'event_id is null'}
    A row gets exactly one reason, the first that applies, so quarantine counts are unambiguous.
    Reason codes must exist in the quarantine_reasons seed (tested on the quarantine model).
-#}
{% macro keynode_first_failed_check(checks) -%}
    case
    {%- for check in checks %}
        when {{ check.fails_when }} then '{{ check.reason }}'
    {%- endfor %}
    end as quarantine_reason,
    case
    {%- for check in checks %}
        when {{ check.fails_when }} then '{{ check.column }}'
    {%- endfor %}
    end as quarantine_column
{%- endmacro %}
