{#-
    Landed event rows (base_events__events: every copy, valid or quarantined) per landing day, from
    the first landing day to the later of the last landing day and the last event day. `keynode
    check` (suite events_landing) checks the day's duplicate share against duplicate_share_max: a
    file delivered twice shows here, on the landing day of the copy.
-#}
with

landed as (

    select
        landed_date,
        quarantine_reason,
        copy_rank
    from {{ ref('base_events__events') }}

),

event_days as (

    select max(event_date) as last_event_day
    from {{ ref('stg_events__events') }}

),

daily as (

    select
        landed_date as date_day,
        count(*) as landed_rows,
        count_if(quarantine_reason is null) as valid_rows,
        count_if(quarantine_reason is not null) as quarantined_rows,
        count_if(copy_rank > 1) as duplicate_rows
    from landed
    group by landed_date

),

bounds as (

    select
        min(daily.date_day) as first_day,
        greatest(max(daily.date_day), max(event_days.last_event_day)) as last_day
    from daily
    cross join event_days

),

days as (

    {{ keynode_day_spine('bounds', 'bounds.first_day', 'bounds.last_day') }}

),

final as (

    select
        days.date_day,
        coalesce(daily.landed_rows, 0) as landed_rows,
        coalesce(daily.valid_rows, 0) as valid_rows,
        coalesce(daily.quarantined_rows, 0) as quarantined_rows,
        coalesce(daily.duplicate_rows, 0) as duplicate_rows,
        {{ keynode_share('daily.duplicate_rows', 'daily.valid_rows') }} as duplicate_share,
        cast({{ var('keynode__quality_duplicate_share_max') }} as double) as duplicate_share_max
    from days
    left join daily
        on days.date_day = daily.date_day

)

select * from final
