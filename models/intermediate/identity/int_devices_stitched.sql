{#-
    Identity stitching: one row per device that ever logged in, mapped to the first user who logged in
    on it. Anonymous events of the device (before or after that login) are attributed to that user, so
    a journey that starts anonymously on the app and pays on the web counts once.
    The first login is stable: later logins by other users (shared devices) do not re-attribute
    history; they are flagged instead.
    Read from int_device_users (each user's first login on the device, kept incrementally): the
    device's first login is the earliest of its users' first logins, and its users are its rows.
-#}
{#- the first login: earliest event time, then earliest ingestion, then event id (unique: no ties) -#}
{%- set first_login = ['first_login_at', 'first_login_ingested_at', 'first_login_event_id'] -%}

with

device_users as (

    select
        device_id,
        user_id,
        first_login_at,
        first_login_ingested_at,
        first_login_event_id,
        first_login_landed_date
    from {{ ref('int_device_users') }}

),

devices as (

    select
        device_id,
        {{ keynode_first_by('user_id', first_login) }} as stitched_user_id,
        min(first_login_at) as stitched_at,
        {{ keynode_first_by('first_login_landed_date', first_login) }} as stitched_landed_date,
        count(*) as users_on_device
    from device_users
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
