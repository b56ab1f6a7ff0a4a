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

{{ keynode_profile_final(
    ['landed_rows', 'valid_rows', 'quarantined_rows', 'duplicate_rows'],
    extra=[
        keynode_share('daily.duplicate_rows', 'daily.valid_rows') ~ ' as duplicate_share',
        'cast(' ~ var('keynode__quality_duplicate_share_max') ~ ' as double) as duplicate_share_max',
    ],
) }}
