{#-
    Identity stitching: one row per device that ever logged in, mapped to the first user who logged in
    on it. Anonymous events of the device (before or after that login) are attributed to that user, so
    a journey that starts anonymously on the app and pays on the web counts once.
    The first login is stable: later logins by other users (shared devices) do not re-attribute
    history; they are flagged instead.
-#}
{#- the first login: earliest event time, then earliest ingestion, then event id (unique: no ties) -#}
{%- set first_login = ['event_ts', 'ingested_at', 'event_id'] -%}

with

logged_in_events as (

    select
        device_id,
        user_id,
        event_ts,
        ingested_at,
        event_id,
        landed_date
    from {{ ref('stg_events__events') }}
    where user_id is not null

),

devices as (

    select
        device_id,
        {{ keynode_first_by('user_id', first_login) }} as stitched_user_id,
        min(event_ts) as stitched_at,
        {{ keynode_first_by('landed_date', first_login) }} as stitched_landed_date,
        count(distinct user_id) as users_on_device
    from logged_in_events
    group by device_id

),

final as (

    select
        device_id,
        stitched_user_id,
        stitched_at,
        stitched_landed_date,
        users_on_device,
        users_on_device > 1 as is_shared_device
    from devices

)

select * from final
