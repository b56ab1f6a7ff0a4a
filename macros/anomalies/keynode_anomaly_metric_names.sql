{#-
    Names of the registry's anomaly metrics (keynode_anomaly_metrics), in registry order: all of them,
    or only those whose boolean property `flag` (censorable, needs_complete_source, min_volume_applies,
    alertable) is true. `quoted=true` returns them as a SQL list body ('a', 'b') for an `in (...)`.
-#}
{% macro keynode_anomaly_metric_names(flag=none, quoted=false) -%}
    {%- set names = [] -%}
    {%- for m in keynode_anomaly_metrics() -%}
        {%- if flag is not none and flag not in m -%}
            {{ exceptions.raise_compiler_error('keynode_anomaly_metric_names: no metric property ' ~ flag) }}
        {%- endif -%}
        {%- if flag is none or m[flag] -%}
            {%- do names.append(m.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if quoted -%}
        {{ return("'" ~ names | join("', '") ~ "'") }}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}
