{#-
    Every user who ever logged in on a device: one row per (device_id, user_id) of the events with a
    user_id, with the pair's first logged-in event (earliest event time, then earliest ingestion, then
    event id). int_devices_stitched maps each device to the user whose first login comes first, and
    counts the users, from these rows: the earliest of the pairs' first logins is the device's first
    login, so the map is the same as reading every logged-in event, from a table the size of the pairs.

    Incremental on DuckDB (delete+insert on device_id, user_id): a run reads only the logged-in events
    that landed within var keynode__lookback_days of the newest landing date it processed (a literal: the
    staging scan skips older row groups) and, for the pairs they belong to, the stored row; a pair's new
    first login is the earlier of the two (a late event can precede the stored one). Spark rebuilds it.
-#}
{#- the first login: earliest event time, then earliest ingestion, then event id (unique: no ties) -#}
{%- set first_login = ['event_ts', 'ingested_at', 'event_id'] -%}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        incremental_strategy=keynode_incremental_strategy(),
        unique_key=['device_id', 'user_id'],
    )
}}

with

source_watermark as (

    select max(landed_date) as processed_landed_date
    from {{ ref('stg_events__events') }}

),

logged_in_events as (

    select
        device_id,
        user_id,
        event_ts,
        ingested_at,
        event_id,
        landed_date
    from {{ ref('stg_events__events') }}
    where
        user_id is not null
    {% if is_incremental() -%}
        and landed_date >= {{ keynode_lookback_start_date('processed_landed_date') }}
    {%- endif %}

),

{% if is_incremental() %}
-- the stored first login of each pair seen again: it competes with the pair's new events
stored_first_logins as (

    select
        stored.device_id,
        stored.user_id,
        stored.first_login_at as event_ts,
        stored.first_login_ingested_at as ingested_at,
        stored.first_login_event_id as event_id,
        stored.first_login_landed_date as landed_date
    from {{ this }} as stored
    where exists (
        select 1
        from logged_in_events
        where
            logged_in_events.device_id = stored.device_id
            and logged_in_events.user_id = stored.user_id
    )

),

candidates as (

    select * from logged_in_events
    union all
    select * from stored_first_logins

),
{% endif %}

pairs as (

    select
        device_id,
        user_id,
        min(event_ts) as first_login_at,
        {{ keynode_first_by('ingested_at', first_login) }} as first_login_ingested_at,
        {{ keynode_first_by('event_id', first_login) }} as first_login_event_id,
        {{ keynode_first_by('landed_date', first_login) }} as first_login_landed_date
    from {% if is_incremental() %}candidates{% else %}logged_in_events{% endif %}
    group by device_id, user_id

),

final as (

    select
        pairs.*,
        source_watermark.processed_landed_date
    from pairs
    cross join source_watermark

)

select * from final
