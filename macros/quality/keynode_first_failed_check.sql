{#-
    Turns an ordered list of validity checks into two columns: the reason code of the first check a
    row fails (NULL when it passes them all) and the column that failed.

    `checks` is a list of dicts, in priority order:
        {'reason': 'missing_id', 'column': 'event_id', 'fails_when': 'event_id is null'}
    or, where the reason and column are themselves computed (keynode_number_issue):
        {'reason_expr': 'number_issue', 'column_expr': 'number_issue_column',
         'fails_when': 'number_issue is not null'}
    A row gets exactly one reason, the first that applies, so quarantine counts are unambiguous.
    Reason codes must exist in the quarantine_reasons seed (tested on the quarantine model).
-#}
{% macro keynode_first_failed_check(checks) -%}
    case
    {%- for check in checks %}
        when {{ check.fails_when }} then {{ check.reason_expr or ("'" ~ check.reason ~ "'") }}
    {%- endfor %}
    end as quarantine_reason,
    case
    {%- for check in checks %}
        when {{ check.fails_when }} then {{ check.column_expr or ("'" ~ check.column ~ "'") }}
    {%- endfor %}
    end as quarantine_column
{%- endmacro %}
