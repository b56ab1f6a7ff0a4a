{#-
    Identity stitching: one row per device that ever logged in, mapped to the first user who logged in
    on it. Anonymous events of the device (before or after that login) are attributed to that user, so
    a journey that starts anonymously on the app and pays on the web counts once.
    The first login is stable: later logins by other users (shared devices) do not re-attribute
    history; they are flagged instead.
-#}
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

first_logins as (

    select
        *,
        row_number() over (partition by device_id order by event_ts, ingested_at, event_id) as login_rank
    from logged_in_events

),

users_per_device as (

    select
        device_id,
        count(distinct user_id) as users_on_device
    from logged_in_events
    group by device_id

),

final as (

    select
        first_logins.device_id,
        first_logins.user_id as stitched_user_id,
        first_logins.event_ts as stitched_at,
        first_logins.landed_date as stitched_landed_date,
        users_per_device.users_on_device,
        users_per_device.users_on_device > 1 as is_shared_device
    from first_logins
    inner join users_per_device
        on first_logins.device_id = users_per_device.device_id
    where first_logins.login_rank = 1

)

select * from final
