{#-
    Two select-list columns over the numeric raw columns of a base model, checked before any cast:
    number_issue, `non_finite_number` (NaN, +Inf, -Inf in any numeric column) or `non_integer_number` (a
    fractional value, or one outside the integer type's range, in an integer column: quarantined, never
    rounded), NULL when every listed column is fine; and number_issue_column, the first column at fault.

    `columns`: dicts in check order, {'column': 'source.quantity', 'name': 'quantity', 'type': 'integer'}
    with type integer, bigint or double.
-#}
{% macro keynode_number_issue(columns) -%}
    {%- set limits = {'integer': '2147483647', 'bigint': '9.2e18'} -%}
    {%- set ns = namespace(conditions=[]) -%}
    {%- for c in columns -%}
        {%- do ns.conditions.append(('not ' ~ keynode_is_finite(c.column), 'non_finite_number', c.name)) -%}
        {%- if c.type in limits -%}
            {%- do ns.conditions.append((
                'cast(' ~ c.column ~ ' as double) <> floor(cast(' ~ c.column ~ ' as double)) or abs(cast('
                ~ c.column ~ ' as double)) > ' ~ limits[c.type],
                'non_integer_number', c.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    case
    {%- for condition, reason, name in ns.conditions %}
        when {{ condition }} then '{{ reason }}'
    {%- endfor %}
    end as number_issue,
    case
    {%- for condition, reason, name in ns.conditions %}
        when {{ condition }} then '{{ name }}'
    {%- endfor %}
    end as number_issue_column
{%- endmacro %}
