{#-
    Every landed event row, typed, with the first validity check it fails (quarantine_reason) and,
    for valid rows, its copy rank among rows with the same event_id. Nothing is filtered here:
    stg_events__events keeps valid first copies, fct_quarantined_rows keeps the rest.

    Incremental by landing date: a run re-reads only the landing-date partitions from the lookback
    start on (keynode_lookback_start_date: newest landed_date minus var keynode__lookback_days) and
    replaces those landing dates. The copy rank of a re-read row counts the valid copies of its
    event_id that landed before the window (they were ingested earlier, so they sort first), which
    gives the rank a full rebuild gives.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy=keynode_incremental_strategy(),
        unique_key='landed_date',
        partition_by=(['landed_date'] if target.type == 'spark' else none),
        file_format=('parquet' if target.type == 'spark' else none),
    )
}}

{%- set window_start = keynode_lookback_start_date('landed_date') if is_incremental() else none %}

with

source as (

    select * from {{ source('events', 'events') }}
    {% if is_incremental() %}
        -- a literal on the partition column: only the window's landing-date folders are read
        where cast(dt as date) >= {{ window_start }}
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
        nullif(trim(source.event_id), '') as event_id,
        nullif(trim(source.device_id), '') as device_id,
        nullif(trim(source.user_id), '') as user_id,
        source.event_name,
        source.event_time as event_time_raw,
        {{ keynode_parse_iso_timestamp('source.event_time') }} as event_ts,
        cast(source.ingested_at as timestamp) as ingested_at,
        source.platform,
        source.utm_source,
        source.utm_medium,
        source.utm_campaign,
        source.page,
        nullif(trim(source.sku_id), '') as sku_id,
        cast(source.price as double) as price,
        cast(source.quantity as integer) as quantity,
        cast(source.page_load_ms as integer) as page_load_ms,
        source.properties,
        source.filename as raw_file,
        cast(source.file_row_number as bigint) as raw_row_number,
        cast(source.dt as date) as landed_date
    from source

),

checked as (

    select
        typed.*,
        event_catalog.event_category,
        event_catalog.is_page_view,
        {{ keynode_first_failed_check([
            {'reason': 'missing_id', 'column': 'event_id', 'fails_when': 'typed.event_id is null'},
            {'reason': 'missing_id', 'column': 'device_id', 'fails_when': 'typed.device_id is null'},
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

        -- valid copies that landed before the window, of the event ids the window brings again
        select
            event_id,
            count(*) as copies_before_window
        from {{ this }}
        where
            landed_date < {{ window_start }}
            and quarantine_reason is null
            and event_id in (select checked.event_id from checked)
        group by event_id

    ),

{% endif %}

final as (

    select
        checked.*,
        {{ keynode_copy_rank(
            ['checked.event_id'],
            ingested_at='checked.ingested_at',
            prior_copies=('coalesce(earlier_copies.copies_before_window, 0)' if is_incremental() else none)
        ) }}
    from checked
    {% if is_incremental() %}
        left join earlier_copies
            on checked.event_id = earlier_copies.event_id
    {% endif %}

)

select * from final
