{#- The select list of a mart's `final` CTE, read from its enforced contract: the model's YAML columns, in
    YAML order, each `cast(<column> as <data_type>) as <column>` (`string` -> dbt.type_string()). A dbt
    unit test renders the model as a unit-test node in a manifest of its own, without YAML columns or
    graph: there the columns pass through uncast (`*`) and the unit test compares the columns it expects. -#}
{%- macro keynode_contract_columns() -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        *
    {%- else -%}
        {%- set columns = graph.nodes[model.unique_id].columns.values() | list -%}
        {%- set untyped = columns | rejectattr('data_type') | map(attribute='name') | list -%}
        {%- if not columns or untyped -%}
            {{ exceptions.raise_compiler_error(
                model.unique_id ~ ': keynode_contract_columns needs the YAML columns of the contract, each'
                ~ ' with a data_type; '
                ~ ('none found' if not columns else 'untyped: ' ~ untyped | join(', '))
            ) }}
        {%- endif -%}
        {%- for column in columns %}
            {%- set data_type = dbt.type_string() if column.data_type == 'string' else column.data_type %}
        cast({{ column.name }} as {{ data_type }}) as {{ column.name }}{{ ',' if not loop.last }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro -%}
