{#-
    Every landed event row, typed, with the first validity check it fails (quarantine_reason) and,
    for valid rows, its copy rank among rows with the same event_id. Nothing is filtered here:
    stg_events__events keeps valid first copies, fct_quarantined_rows keeps the rest.

    Incremental, reading only new raw files: a run lists the landing-date partitions from the lookback
    start on (keynode_lookback_start_date: newest landed_date minus var keynode__lookback_days), skips
    the files of those partitions already loaded (keynode_loaded_raw_files; landed files are immutable)
    and appends the rows of the others (delete+insert on raw_file, which deletes nothing for a new
    file). The copy rank of a new row counts the valid copies of its event_id already loaded (they were
    ingested earlier, so they sort first), which gives the rank a full rebuild gives.
    Spark (insert_overwrite replaces whole landed_date partitions) re-reads every file of the
    partitions from the lookback start on, and the rank counts the copies that landed before them.

    A conflicting copy (a valid row whose event_id was already kept with a different payload,
    keynode_payload_hash) is not a duplicate: it is quarantined as `conflicting_duplicate`, so both
    payloads are kept (the first in staging, the other in fct_quarantined_rows) and nothing is silently
    replaced. The copy kept is the same in an incremental run as in a full rebuild (earlier landing dates
    first).
-#}
{#- DuckDB appends new files; Spark overwrites whole landing-date partitions. -#}
{%- set per_file = target.type != 'spark' -%}
{{
    config(
        materialized='incremental',
        incremental_strategy=keynode_incremental_strategy(),
        unique_key=('raw_file' if per_file else 'landed_date'),
        partition_by=(['landed_date'] if target.type == 'spark' else none),
        file_format=('parquet' if target.type == 'spark' else none),
        keynode_column_compression={
            'event_id': 'uncompressed', 'payload_hash': 'zstd', 'event_time_raw': 'zstd'
        },
    )
}}

{%- set window_start = keynode_lookback_start_date('landed_date') if is_incremental() else none %}
{%- set loaded_files = keynode_loaded_raw_files(window_start) if is_incremental() and per_file else [] %}
{#- the payload of the copy kept: an earlier landing date's, else this batch's first valid copy -#}
{%- set kept_payload = (
    'coalesce(earlier_copies.kept_payload_hash, window_first_copies.first_payload_hash, '
    ~ 'event_checked.payload_hash)'
    if is_incremental() else 'coalesce(window_first_copies.first_payload_hash, event_checked.payload_hash)'
) %}
{#- event_checked with what kept_payload reads (read by `checked` and repeated_copies) -#}
{%- set event_checked_with_kept_payload -%}
    event_checked
    left join window_first_copies
        on event_checked.event_id = window_first_copies.event_id
    {%- if is_incremental() %}
    left join earlier_copies
        on event_checked.event_id = earlier_copies.event_id
    {%- endif %}
{%- endset %}
{#- valid copies of the same event id loaded before this batch -#}
{%- set prior_copies = 'coalesce(earlier_copies.copies_before_window, 0)' if is_incremental() else '0' %}

with

-- inlined (keynode_inlined_cte): typed and candidate_ids each scan the batch's files; materialised, every
-- raw row would first be copied to memory (and, at 100M events, to temp disk)
source as {{ keynode_inlined_cte() }} (

    select * from {{ source('events', 'events') }}
    {% if is_incremental() %}
        -- literals on the partition column and the file name: only the window's landing-date folders
        -- are listed, and only their files not loaded yet are read
        where
            cast(dt as date) >= {{ window_start }}
            {%- for file in loaded_files %}
                {%- if loop.first %}
            and filename not in (
                {%- endif %}
                '{{ file | replace("'", "''") }}'{{ ',' if not loop.last else '' }}
                {%- if loop.last %}
            )
                {%- endif %}
            {%- endfor %}
    {% endif %}

),

event_catalog as (

    select
        event_name,
        event_category,
        is_page_view
    from {{ ref('event_catalog') }}

),

skus as (

    select sku_id from {{ ref('stg_catalog__skus') }}

),

typed as (

    select
        {{ keynode_clean_id('source.event_id') }} as event_id,
        {{ keynode_clean_id('source.device_id') }} as device_id,
        {{ keynode_clean_id('source.user_id') }} as user_id,
        source.event_name,
        source.event_time as event_time_raw,
        {{ keynode_parse_iso_timestamp('source.event_time') }} as event_ts,
        cast(source.ingested_at as timestamp) as ingested_at,
        source.platform,
        source.utm_source,
        source.utm_medium,
        source.utm_campaign,
        source.page,
        {{ keynode_clean_id('source.sku_id') }} as sku_id,
        cast(source.price as double) as price,
        {{ keynode_integer('source.quantity') }} as quantity,
        {{ keynode_integer('source.page_load_ms') }} as page_load_ms,
        source.properties,
        source.filename as raw_file,
        cast(source.file_row_number as bigint) as raw_row_number,
        cast(source.dt as date) as landed_date,
        {{ keynode_number_issue([
            {'column': 'source.price', 'name': 'price', 'type': 'double'},
            {'column': 'source.quantity', 'name': 'quantity', 'type': 'integer'},
            {'column': 'source.page_load_ms', 'name': 'page_load_ms', 'type': 'integer'},
        ]) }}
    from source

),

-- inlined (keynode_inlined_cte): the CTEs of repeated event ids read a few columns of a few of its rows;
-- materialised, all of it would be written to temp disk first (at 100M events, more than the disk had)
event_checked as {{ keynode_inlined_cte() }} (

    select
        typed.*,
        event_catalog.event_category,
        event_catalog.is_page_view,
        {{ keynode_payload_hash([
            'typed.device_id', 'typed.user_id', 'typed.event_name', 'typed.event_time_raw', 'typed.platform',
            'typed.utm_source', 'typed.utm_medium', 'typed.utm_campaign', 'typed.page', 'typed.sku_id',
            'typed.price', 'typed.quantity', 'typed.page_load_ms', 'typed.properties',
        ]) }} as payload_hash,
        {{ keynode_first_failed_check([
            {'reason': 'missing_id', 'column': 'event_id', 'fails_when': 'typed.event_id is null'},
            {'reason': 'missing_id', 'column': 'device_id', 'fails_when': 'typed.device_id is null'},
            {'reason': 'missing_ingested_at', 'column': 'ingested_at',
             'fails_when': 'typed.ingested_at is null'},
            {'reason_expr': 'typed.number_issue', 'column_expr': 'typed.number_issue_column',
             'fails_when': 'typed.number_issue is not null'},
            {'reason': 'malformed_timestamp', 'column': 'event_time', 'fails_when': 'typed.event_ts is null'},
            {'reason': 'event_time_before_source_start', 'column': 'event_time',
             'fails_when': "typed.event_ts < cast('" ~ var('keynode__events_source_start')
                 ~ "' as timestamp)"},
            {'reason': 'event_time_in_future', 'column': 'event_time',
             'fails_when': 'typed.event_ts > ' ~ keynode_current_timestamp()},
            {'reason': 'ingested_before_event', 'column': 'ingested_at',
             'fails_when': 'typed.ingested_at < ' ~ dbt.dateadd(
                 'second', -1 * var('keynode__clock_skew_tolerance_seconds'), 'typed.event_ts'
             )},
            {'reason': 'unknown_event_name', 'column': 'event_name',
             'fails_when': 'event_catalog.event_name is null'},
            {'reason': 'unparseable_properties', 'column': 'properties',
             'fails_when': 'typed.properties is not null and not ' ~ keynode_json_valid('typed.properties')},
            {'reason': 'properties_not_object', 'column': 'properties',
             'fails_when': 'typed.properties is not null and not '
                 ~ keynode_json_is_object('typed.properties')},
            {'reason': 'invalid_price', 'column': 'price',
             'fails_when': 'typed.price < 0 or typed.price > ' ~ var('keynode__max_unit_price')},
            {'reason': 'invalid_quantity', 'column': 'quantity',
             'fails_when': 'typed.quantity <= 0 or typed.quantity > ' ~ var('keynode__max_quantity')},
            {'reason': 'unknown_sku', 'column': 'sku_id',
             'fails_when': 'typed.sku_id is not null and skus.sku_id is null'},
        ]) }}
    from typed
    left join event_catalog
        on typed.event_name = event_catalog.event_name
    left join skus
        on typed.sku_id = skus.sku_id

),

{% if is_incremental() %}

    earlier_copies as (

        -- valid copies loaded before this batch (per file: every stored row; Spark: the landing dates
        -- before the window), of the event ids the batch brings again, and the payload of the kept copy
        select
            event_id,
            count(*) as copies_before_window,
            max(case when copy_rank = 1 then payload_hash end) as kept_payload_hash
        from {{ this }}
        where
            {% if not per_file %}landed_date < {{ window_start }} and {% endif %}quarantine_reason is null
            and event_id in (select event_checked.event_id from event_checked)
        group by event_id

    ),

{% endif %}

-- the event ids that come more than once in this batch, valid or not: a superset of repeated_ids that
-- costs one column of the raw rows, so the checks below run only on these few ids' rows
candidate_ids as (

    select {{ keynode_clean_id('source.event_id') }} as event_id
    from source
    group by {{ keynode_clean_id('source.event_id') }}
    having count(*) > 1

),

-- the event ids with more than one valid copy in this batch: only their rows need ordering (a window
-- over every row would sort all event ids, and almost every id comes once)
repeated_ids as (

    select event_id
    from event_checked
    where
        quarantine_reason is null
        and event_id in (select candidate_ids.event_id from candidate_ids)
    group by event_id
    having count(*) > 1

),

window_first_copies as (

    -- the payload of the first valid copy of each repeated event id in this batch (an id that comes
    -- once is its own first copy)
    select
        event_id,
        payload_hash as first_payload_hash
    from (
        select
            event_id,
            payload_hash,
            row_number() over (
                partition by event_id order by ingested_at, raw_file, raw_row_number
            ) as copy_order
        from event_checked
        where
            quarantine_reason is null
            and event_id in (select repeated_ids.event_id from repeated_ids)
    ) as ordered
    where copy_order = 1

),

checked as (

    select
        event_checked.event_id,
        event_checked.device_id,
        event_checked.user_id,
        event_checked.event_name,
        event_checked.event_time_raw,
        event_checked.event_ts,
        event_checked.ingested_at,
        event_checked.platform,
        event_checked.utm_source,
        event_checked.utm_medium,
        event_checked.utm_campaign,
        event_checked.page,
        event_checked.sku_id,
        event_checked.price,
        event_checked.quantity,
        event_checked.page_load_ms,
        event_checked.properties,
        event_checked.raw_file,
        event_checked.raw_row_number,
        event_checked.landed_date,
        event_checked.number_issue,
        event_checked.number_issue_column,
        event_checked.event_category,
        event_checked.is_page_view,
        event_checked.payload_hash,
        case
            when event_checked.quarantine_reason is not null then event_checked.quarantine_reason
            when event_checked.payload_hash <> {{ kept_payload }} then 'conflicting_duplicate'
        end as quarantine_reason,
        case
            when event_checked.quarantine_reason is not null then event_checked.quarantine_column
            when event_checked.payload_hash <> {{ kept_payload }} then 'event_id'
        end as quarantine_column
    from {{ event_checked_with_kept_payload }}

),

repeated_copies as (

    -- the copies of repeated event ids that stay valid in `checked` (not quarantined, the kept payload),
    -- read from event_checked so that `checked` is read once (DuckDB materialises a CTE read twice)
    select
        event_checked.event_id,
        event_checked.ingested_at,
        event_checked.raw_file,
        event_checked.raw_row_number,
        event_checked.quarantine_reason  -- always null here; keynode_copy_rank reads it
    from {{ event_checked_with_kept_payload }}
    where
        event_checked.quarantine_reason is null
        and event_checked.payload_hash = {{ kept_payload }}
        and event_checked.event_id in (select repeated_ids.event_id from repeated_ids)

),

repeated_copy_ranks as (

    -- their copy rank (the window sorts only these rows)
    select
        repeated_copies.raw_file,
        repeated_copies.raw_row_number,
        {{ keynode_copy_rank(
            ['repeated_copies.event_id'],
            ingested_at='repeated_copies.ingested_at',
            prior_copies=(prior_copies if is_incremental() else none)
        ) }}
    from repeated_copies
    {% if is_incremental() %}
        left join earlier_copies
            on repeated_copies.event_id = earlier_copies.event_id
    {% endif %}

),

final as (

    -- a valid copy of an id that comes once in the batch ranks right after the copies loaded earlier
    select
        checked.*,
        case
            when checked.quarantine_reason is null
                then coalesce(repeated_copy_ranks.copy_rank, cast({{ prior_copies }} + 1 as bigint))
        end as copy_rank
    from checked
    left join repeated_copy_ranks
        on
            checked.raw_file = repeated_copy_ranks.raw_file
            and checked.raw_row_number = repeated_copy_ranks.raw_row_number
    {% if is_incremental() %}
        left join earlier_copies
            on checked.event_id = earlier_copies.event_id
    {% endif %}

)

select * from final
