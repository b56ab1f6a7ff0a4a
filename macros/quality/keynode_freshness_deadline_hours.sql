{#- The freshness deadline of `source_name` in hours after the start of a business day: its entry of
    var keynode__quality_freshness_deadline_hours. Fails the compilation, naming the var, when the
    map has no entry for it (a `--vars` override replaces the whole map). -#}
{% macro keynode_freshness_deadline_hours(source_name) -%}
    {%- set deadlines = var('keynode__quality_freshness_deadline_hours') -%}
    {%- if source_name not in deadlines -%}
        {{ exceptions.raise_compiler_error(
            "var keynode__quality_freshness_deadline_hours has no entry for " ~ source_name
            ~ " (it has " ~ (deadlines.keys() | list | join(', ')) ~ ")") }}
    {%- endif -%}
    {{ return(deadlines[source_name] | int) }}
{%- endmacro %}
