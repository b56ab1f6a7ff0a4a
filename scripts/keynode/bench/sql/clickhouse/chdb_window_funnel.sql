-- The benchmark's peer: ClickHouse windowFunnel (through chdb) per (funnel_key, user_key, start day d)
-- over the events of days d and d + 1 (keynode.bench.peer).
-- The node-1 condition is `node_no = 1 and start_day = event_day`, so only chains starting on day d count
-- (node-1 events of day d + 1 match no condition and are ignored); every later node may come from
-- day d or d + 1, which covers d + W for W <= 1 day. Timestamps are epoch milliseconds (UInt64), the
-- window is W in ms and windowFunnel's test `ts <= first_ts + window` is inclusive; at equal timestamps
-- ClickHouse sorts by condition index, so equal times count as in order (as ours). Groups without a
-- node-1 event of day d (level 0) are dropped; a user-day reaches node k when its funnel_level is >= k.
-- Placeholders (Python str.format): parquet, window_ms, conditions (`node_no = 2, node_no = 3, ...`).
select
    fk,
    start_day,
    node_step,
    count() as users_reached
from (
    select
        fk,
        uk,
        start_day,
        -- a parametric aggregate: windowFunnel(window)(timestamp, cond1, cond2, ...)
        windowFunnel({window_ms})(  -- noqa: LT01
            ts, node_no = 1 and start_day = event_day, {conditions}
        ) as funnel_level
    from (
        select
            assumeNotNull(funnel_key) as fk,
            assumeNotNull(user_key) as uk,
            toUInt64(assumeNotNull(ts_ms)) as ts,
            toUInt8(assumeNotNull(node_step)) as node_no,
            toInt64(intDiv(ts, 86400000)) as event_day
        from file('{parquet}', Parquet)
    )
    array join [event_day, event_day - 1] as start_day
    group by fk, uk, start_day
    having funnel_level >= 1
)
array join range(1, funnel_level + 1) as node_step
group by fk, start_day, node_step
order by fk, start_day, node_step
