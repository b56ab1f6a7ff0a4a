{#-
    The devices stitched (their first login landed) on or after `since`, looked up before the model's
    query runs and returned as a SQL list of string literals ('d1', 'd2', ...), or none when there are
    more than `max_devices` (var keynode__stitch_inline_max_devices; the caller then joins
    int_devices_stitched instead). int_events_stitched reads the older events of these devices on an
    incremental run: as literals the filter reaches the staging scan, so only those devices' rows are
    typed and parsed; joined, every older row is (the model's incremental select on the benchmark's 30M
    events, 1,978 devices: 5.2-6.9 s joined, 1.8 s with literals). An empty result is `null`, which
    matches no device.
-#}
{% macro keynode_stitched_devices_since(devices, since, max_devices) -%}
    {%- if not execute or max_devices == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set lookup -%}
        select device_id
        from {{ devices }}
        where stitched_landed_date >= {{ since }}
        order by device_id
        limit {{ max_devices + 1 }}
    {%- endset -%}
    {%- set ids = run_query(lookup).columns[0].values() -%}
    {%- if ids | length > max_devices -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for device_id in ids -%}
        {%- do literals.append("'" ~ (device_id | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {{ return(literals | join(', ') if literals else 'null') }}
{%- endmacro %}
