-- The benchmark's limit: the daily 17-node purchase funnel in ONE DuckDB query over the raw Parquet
-- (keynode.bench.limit). Same semantics as int_funnel_user_days: user_key = user_id, else the first
-- user who logged in on the device (by event time, ingestion time, event id), else 'anon:' || device_id;
-- a user-day reaches node k when events e1..ek of nodes 1..k with ts(e1) <= ... <= ts(ek) <= ts(e1) + W
-- exist, e1 on day d. The chain search is ClickHouse's windowFunnel scan (keep, per node, the latest
-- start that reached it) as a list_reduce over the user's node events of days d and d + 1 in
-- (time, node) order. No validation or de-duplication: the fault-free benchmark raw zone has neither.
-- Placeholders (Python str.format): raw_glob, node_values, max_step, window_ms.
with

raw as materialized (
    select
        device_id,
        user_id,
        event_name,
        event_id,
        ingested_at,
        cast(event_time as timestamp) as event_ts
    from read_parquet('{raw_glob}')
),

devices as (
    select
        device_id,
        arg_min(user_id, (event_ts, ingested_at, event_id)) as stitched_user_id
    from raw
    where user_id is not null
    group by device_id
),

nodes (event_name, node_step) as (
    values {node_values}
),

node_events as (
    select
        nodes.node_step,
        coalesce(raw.user_id, devices.stitched_user_id, 'anon:' || raw.device_id) as user_key,
        epoch_ms(raw.event_ts) as ts,
        cast(raw.event_ts as date) as event_date
    from raw
    inner join nodes on raw.event_name = nodes.event_name
    left join devices on raw.device_id = devices.device_id
),

-- a chain starting on day d uses events of days d and d + 1 only (W <= 1 day)
start_days as (
    select
        *,
        unnest([event_date, cast(event_date - 1 as date)]) as start_date
    from node_events
),

user_days as (
    select
        user_key,
        start_date,
        list(
            {{ 'ts': ts, 'step': node_step, 'start': node_step = 1 and event_date = start_date }}
            order by ts, node_step
        ) as evs
    from start_days
    group by user_key, start_date
    having bool_or(node_step = 1 and event_date = start_date)
),

levels as (
    select
        start_date as funnel_date,
        -- noqa: disable=PRS,LT01
        -- (sqlfluff's duckdb dialect does not parse DuckDB's `lambda` syntax yet)
        length(list_filter(
            list_reduce(
                evs,
                lambda acc, e: case
                    when e.start
                        then list_transform(acc, lambda v, i: case when i = 1 then e.ts else v end)
                    when e.step > 1 and acc[e.step - 1] is not null and e.ts <= acc[e.step - 1] + {window_ms}
                        then list_transform(
                            acc, lambda v, i: case when i = e.step then acc[e.step - 1] else v end
                        )
                    else acc
                end,
                cast(list_transform(range({max_step}), lambda x: null) as bigint [])
            ),
            lambda v: v is not null
        )) as max_step_reached
        -- noqa: enable=PRS,LT01
    from user_days
),

final as (
    select
        levels.funnel_date,
        steps.node_step,
        count(*) filter (where levels.max_step_reached >= steps.node_step) as users_reached
    from levels
    cross join range(1, {max_step} + 1) as steps (node_step)
    group by all
)

select * from final
order by all
