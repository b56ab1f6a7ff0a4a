{#-
    Conservation of raw rows, per entity, and the input circuit breaker. Every landed row is exactly one
    of a staged valid row, a quarantined row or a counted duplicate. raw_rows is the number of rows in the
    entity's raw files on disk, read from their Parquet footers by the preflight of `keynode run`
    (var keynode__raw_row_counts), independently of the reader that stages them; without it (plain
    `dbt build`) the reader's own count. The other three come from the models that keep them, so
    `is_balanced` is a real check of the pipeline: a file the reader skipped leaves it false.

    input_breach is the one verdict on each source's input (NULL: within bounds): its quarantined share
    above var keynode__input_max_quarantine_share, or fewer valid rows than keynode__input_min_valid_rows.
    A data test stops the build on it and keynode.publish reads it.
-#}
{%- set entities = keynode_raw_entities() %}
{%- set file_counts = var('keynode__raw_row_counts') %}
{%- set max_share = var('keynode__input_max_quarantine_share') %}
{%- set min_valid = var('keynode__input_min_valid_rows') %}

with

{% call(e) keynode_per_entity_union(entities) %}
            cast({{ file_counts[e.entity] | int if e.entity in file_counts else 'null' }} as bigint)
                as footer_rows,
            (select count(*) from {{ source(e.source, e.entity) }}) as rows_read,
            (select count(*) from {{ ref(e.staged) }}) as valid_rows,
            (
                select count(*) from {{ ref('fct_quarantined_rows') }}
                where entity = '{{ e.entity }}')
                as quarantined_rows,
            (
                select count(*) from {{ ref(e.base) }}
                where copy_rank > 1
            ) as duplicate_rows,
            cast({{ max_share.get(e.entity, max_share['default']) }} as double) as max_quarantine_share,
            cast({{ min_valid.get(e.entity, min_valid['default']) }} as bigint) as min_valid_rows
{% endcall %},

counted as (

    select
        *,
        -- footer_rows is NULL where the preflight of `keynode run` did not count the entity's files
        coalesce(footer_rows, rows_read) as raw_rows,
        case when footer_rows is null then 'reader' else 'parquet_footers' end as raw_rows_counted_by
    from unioned

),

reasons as (

    select
        entity,
        reason_code,
        count(*) as reason_rows
    from {{ ref('fct_quarantined_rows') }}
    group by entity, reason_code

),

top_reasons as (

    select
        entity,
        reason_code,
        reason_rows,
        row_number() over (partition by entity order by reason_rows desc, reason_code asc) as reason_rank
    from reasons

),

shares as (

    select
        counted.*,
        top_reasons.reason_code as top_quarantine_reason,
        {{ keynode_share('counted.quarantined_rows', 'counted.raw_rows') }} as quarantine_share
    from counted
    left join top_reasons
        on counted.entity = top_reasons.entity and top_reasons.reason_rank = 1

),

final as (

    select
        source_name,
        entity,
        raw_rows,
        valid_rows,
        quarantined_rows,
        duplicate_rows,
        raw_rows = valid_rows + quarantined_rows + duplicate_rows as is_balanced,
        raw_rows_counted_by,
        rows_read,
        quarantine_share,
        max_quarantine_share,
        min_valid_rows,
        top_quarantine_reason,
        case
            when quarantine_share > max_quarantine_share
                then {{ dbt.concat([
                    "'source '", 'source_name', "' entity '", 'entity', "': '",
                    dbt.cast('quarantined_rows', dbt.type_string()), "' of '",
                    dbt.cast('raw_rows', dbt.type_string()),
                    "' landed rows quarantined (share '",
                    dbt.cast('round(quarantine_share, 4)', dbt.type_string()), "' above the limit '",
                    dbt.cast('max_quarantine_share', dbt.type_string()),
                    "'), mostly '", 'top_quarantine_reason',
                    "' (var keynode__input_max_quarantine_share)'",
                ]) }}
            when valid_rows < min_valid_rows
                then {{ dbt.concat([
                    "'source '", 'source_name', "' entity '", 'entity', "': '",
                    dbt.cast('valid_rows', dbt.type_string()), "' valid rows, fewer than '",
                    dbt.cast('min_valid_rows', dbt.type_string()),
                    "' (var keynode__input_min_valid_rows); top quarantine reason '",
                    "coalesce(top_quarantine_reason, 'none')", "''",
                ]) }}
        end as input_breach
    from shares

)

select * from final
