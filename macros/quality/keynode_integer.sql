{#- The raw number `expr` as `type` (integer or bigint) when it is a finite whole number in the type's
    range, else NULL (such a row is quarantined by keynode_number_issue; nothing is rounded). -#}
{% macro keynode_integer(expr, type='integer') -%}
    {%- set limit = {'integer': '2147483647', 'bigint': '9.2e18'}[type] -%}
    case
        when {{ keynode_is_finite(expr) }}
            and cast({{ expr }} as double) = floor(cast({{ expr }} as double))
            and abs(cast({{ expr }} as double)) <= {{ limit }}
            then cast({{ expr }} as {{ type }})
    end
{%- endmacro %}
