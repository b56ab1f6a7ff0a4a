{#-
    Day-1 activation of new users: one row per cohort day (UTC day of a user's first first_open), with
    the share of the cohort that uses a key feature (key_feature_use) and that registers within var
    `keynode__activation_window_minutes` (1440) of that first open (doc activation_day1).
-#}
{%- set window_minutes = var('keynode__activation_window_minutes') | int -%}

with

events as (

    select
        user_key,
        event_name,
        event_ts
    from {{ ref('int_events_stitched') }}
    where event_name in ('first_open', 'register', 'key_feature_use')

),

data_end as (

    select max(event_ts) as last_event_at
    from {{ ref('int_events_stitched') }}

),

new_users as (

    select
        user_key,
        min(event_ts) as first_open_at
    from events
    where event_name = 'first_open'
    group by user_key

),

day1_actions as (

    select
        new_users.user_key,
        max(case when events.event_name = 'key_feature_use' then 1 else 0 end) as used_key_feature,
        max(case when events.event_name = 'register' then 1 else 0 end) as registered
    from new_users
    inner join events
        on
            new_users.user_key = events.user_key
            and new_users.first_open_at <= events.event_ts
            and new_users.first_open_at + interval {{ window_minutes }} minute >= events.event_ts
    where events.event_name in ('register', 'key_feature_use')
    group by new_users.user_key

),

cohorts as (

    select
        cast(new_users.first_open_at as date) as cohort_date,
        count(*) as new_users,
        sum(coalesce(day1_actions.used_key_feature, 0)) as users_key_feature_day1,
        sum(coalesce(day1_actions.registered, 0)) as users_registered_day1,
        max(new_users.first_open_at) as last_first_open_at
    from new_users
    left join day1_actions
        on new_users.user_key = day1_actions.user_key
    group by cast(new_users.first_open_at as date)

),

final as (

    select
        cast(cohorts.cohort_date as date) as cohort_date,
        cast(cohorts.new_users as bigint) as new_users,
        cast(cohorts.users_key_feature_day1 as bigint) as users_key_feature_day1,
        cast(cast(cohorts.users_key_feature_day1 as double) / cohorts.new_users as double)
            as key_feature_rate_day1,
        cast(cohorts.users_registered_day1 as bigint) as users_registered_day1,
        cast(cast(cohorts.users_registered_day1 as double) / cohorts.new_users as double)
            as registration_rate_day1,
        cast({{ window_minutes }} as integer) as activation_window_minutes,
        cohorts.last_first_open_at + interval {{ window_minutes }} minute <= data_end.last_event_at
            as is_window_complete
    from cohorts
    cross join data_end

)

select * from final
