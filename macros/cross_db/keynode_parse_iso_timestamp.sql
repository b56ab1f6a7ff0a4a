{#-
    Parses an ISO 8601 timestamp string of the raw-zone contract (`YYYY-MM-DDTHH:MM:SS[.fff]Z`, or with an
    explicit UTC offset `+HH:MM` instead of `Z`, converted to UTC) into a UTC timestamp, or NULL when the
    string is malformed. Strict on purpose: DuckDB's own timestamp cast accepts `2026/10/15` and silently
    drops `+02:00` offsets, which would turn malformed client clocks into wrong but plausible times.
    Spark accepts `Z` only (offsets are quarantined as malformed there).
-#}
{% macro keynode_parse_iso_timestamp(expr) -%}
    {{ return(adapter.dispatch('keynode_parse_iso_timestamp', 'keynode')(expr)) }}
{%- endmacro %}

{#- DuckDB: `Z` or an explicit UTC offset (`+08:00`, `-05:30`, `+00:00`), converted to UTC. -#}
{% macro default__keynode_parse_iso_timestamp(expr) -%}
    case
        {%- set with_offset = keynode_iso_timestamp_pattern()[:-1] ~ '[+-](0[0-9]|1[0-4]):[0-5][0-9]' %}
        when {{ keynode_regexp_full_match(expr, keynode_iso_timestamp_pattern() ~ '|' ~ with_offset) }}
            then timezone('UTC', try_cast({{ expr }} as timestamptz))
    end
{%- endmacro %}

{#- Spark: `T`/`Z` handling differs and `timestamp` is session-zoned; parse explicitly as UTC. -#}
{% macro spark__keynode_parse_iso_timestamp(expr) -%}
    case
        when {{ keynode_regexp_full_match(expr, keynode_iso_timestamp_pattern()) }}
            then try_cast(replace(replace({{ expr }}, 'T', ' '), 'Z', '') as timestamp_ntz)
    end
{%- endmacro %}

{#- `[0-9]` instead of `\d`: Spark literals eat backslashes. -#}
{% macro keynode_iso_timestamp_pattern() -%}
    [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?Z
{%- endmacro %}
