"""keynode benchmark: build time, peak memory, incremental cost, distance to the limit, and the peer.

    keynode-benchmark [--sizes 1M,10M,30M] [--work-dir /tmp/keynode-bench] [--out bench.json]
                      [--memory-limit 8GB] [--threads 2] [--days 30] [--seed 7] [--no-chdb]

For each size (target number of events; 100K, 1M, 30M, 100M ...), into <work-dir>/<size>/:

1. generate a fault-free raw zone (`keynode.generate --no-faults --seed S --days D+1 --events N`);
2. hold back the folders of the newest landing day (`<entity>/dt=<last>`), then run `dbt seed` and
   `dbt build` in a child process (dbtRunner, as keynode-main does), sampling the RSS of the child and
   all its descendants every 0.2 s: wall time, peak memory of the process tree, and seconds per layer
   (execution_time of every node in run_results.json, grouped by model folder; with dbt threads > 1
   the layer sums can exceed the wall time);
3. the limit: a plain scan of the raw events (count(*), and a group-by event_name x UTC day), and one
   hand-written DuckDB query that reads the raw Parquet once and computes the daily 17-node purchase
   funnel with the same semantics (user_key = the same device stitch; windowFunnel as a list_reduce
   over each user's events of days d and d+1); its counts are compared with fct_node_funnel_daily;
4. the peer: ClickHouse `windowFunnel` through chdb on int_funnel_events (exported to Parquet); its
   counts must equal fct_node_funnel_daily exactly (all funnels, all days, all nodes);
5. the held-back landing day arrives: `dbt build --exclude-resource-type unit_test` again (incremental:
   the daily production run; unit tests test code, not data, and run in CI), timed;
6. the Great Expectations checkpoint (`keynode.checkpoint --latest-days 3 --no-data-docs`), timed.

Prints a table (plus core count and memory of the machine) and writes JSON to --out. Exits 1 when the
chdb counts differ from ours. DuckDB settings go through KEYNODE_DUCKDB_MEMORY_LIMIT /
KEYNODE_DUCKDB_THREADS / KEYNODE_DUCKDB_TEMP_DIR (<work-dir>/<size>/duckdb_tmp, where DuckDB spills
when a query needs more than the memory limit). chdb is only needed for step 4
(`pip install -r requirements-bench.txt`); without it (or with --no-chdb) that step is skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from keynode.dbt_invoke import PROJECT_DIR

SCRIPTS_DIR = PROJECT_DIR / "scripts"
FUNNEL_CORE_MODELS = ("int_funnel_events", "int_funnel_user_days", "fct_node_funnel_daily")
CHDB_MAX_STEPS = 17


# ----------------------------------------------------------------------------------------- helpers


def parse_size(text: str) -> int:
    """'1M' -> 1_000_000, '250K' -> 250_000, '100m' -> 100_000_000, '5000' -> 5000."""
    t = text.strip().upper().replace("_", "")
    mult = {"K": 1_000, "M": 1_000_000, "G": 1_000_000_000, "B": 1_000_000_000}
    if t and t[-1] in mult:
        return int(float(t[:-1]) * mult[t[-1]])
    return int(t)


def size_label(n: int) -> str:
    for unit, div in (("G", 10**9), ("M", 10**6), ("K", 10**3)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return str(n)


def child_env(work: Path, args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
            "KEYNODE_DUCKDB_MEMORY_LIMIT": args.memory_limit,
            "KEYNODE_DUCKDB_THREADS": str(args.threads),
            "KEYNODE_THREADS": str(args.dbt_threads),
            "KEYNODE_DUCKDB_TEMP_DIR": str(work / "duckdb_tmp"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(SCRIPTS_DIR), os.environ.get("PYTHONPATH")])),
        }
    )
    return env


def run_sampled(cmd: list[str], env: dict[str, str], interval: float = 0.2) -> tuple[float, float, int]:
    """Runs cmd as a child; returns (wall seconds, peak RSS MB of the child + descendants, exit code)."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=str(PROJECT_DIR))
    peak = 0
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        total = 0
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            procs = []
        for p in procs:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        peak = max(peak, total)
        time.sleep(interval)
    return time.perf_counter() - t0, peak / 2**20, proc.returncode


def machine_info() -> dict:
    import psutil

    return {
        "cores_logical": os.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


# ------------------------------------------------------------------------------------- raw zone


def generate(raw: Path, events: int, days: int, seed: int, start: str, env: dict[str, str]) -> float:
    cmd = [
        sys.executable, "-m", "keynode.generate", "--out", str(raw), "--seed", str(seed),
        "--start-date", start, "--days", str(days), "--events", str(events), "--no-faults", "--quiet",
    ]  # fmt: skip
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=str(PROJECT_DIR))
    return time.perf_counter() - t


def hold_back(raw: Path, holdback: Path, first_day: str) -> int:
    """Moves every `<entity>/dt=<day>` folder with day >= first_day to holdback/; returns how many."""
    n = 0
    for folder in sorted(p for p in raw.glob("*/dt=*") if p.name[3:] >= first_day):
        dest = holdback / folder.parent.name / folder.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(folder), str(dest))
        n += 1
    return n


def restore(raw: Path, holdback: Path) -> int:
    n = 0
    for folder in sorted(holdback.glob("*/dt=*")):
        shutil.move(str(folder), str(raw / folder.parent.name / folder.name))
        n += 1
    return n


# ------------------------------------------------------------------------------------ dbt child


def dbt_child(argv: list[str]) -> int:
    """`benchmark.py _dbt <duckdb> <raw> <target> <timings.json> <cmd>[,<cmd>...]` (child process)."""
    from keynode.dbt_invoke import DbtFailed, Warehouse, run_dbt

    duckdb_path, raw, target, timings_path, commands = argv
    wh = Warehouse(
        duckdb_path=Path(duckdb_path),
        raw_path=Path(raw),
        target_path=Path(target),
        log_path=Path(target) / "logs",
    )
    timings = {}
    try:
        for command in commands.split(","):
            t = time.perf_counter()
            run_dbt(wh, command.split())
            timings[command] = time.perf_counter() - t
    except DbtFailed as exc:
        print(f"[benchmark] {exc}", file=sys.stderr)
        return 1
    finally:
        Path(timings_path).write_text(json.dumps(timings))
    return 0


def run_dbt_child(work: Path, target: Path, commands: list[str], env) -> dict:
    timings_path = target / "bench_timings.json"
    target.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "keynode.benchmark", "_dbt", str(work / "bench.duckdb"), str(work / "raw"),
        str(target), str(timings_path), ",".join(commands),
    ]  # fmt: skip
    wall, peak, rc = run_sampled(cmd, env)
    if rc != 0:
        raise RuntimeError(f"dbt {commands} failed (exit {rc}); logs in {target / 'logs'}")
    return {
        "wall_s": wall,
        "peak_mb": peak,
        "steps_s": json.loads(timings_path.read_text()),
        "layers_s": layer_seconds(target),
    }


def layer_of(path: str, resource_type: str) -> str:
    parts = Path(path).parts
    if resource_type == "seed" or (parts and parts[0] == "seeds"):
        return "seeds"
    if parts and parts[0] == "models" and len(parts) > 2:
        return "staging" if parts[1] == "staging" else parts[2]
    return parts[0] if parts else "other"


def layer_seconds(target: Path) -> dict[str, float]:
    """execution_time of every node of the last run, summed per model folder (models + their data and
    unit tests),
    plus `funnel_core` = the three funnel models alone and `total` (sum over nodes)."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    out: dict[str, float] = defaultdict(float)
    for r in results:
        node = nodes.get(r["unique_id"], {})
        layer = layer_of(node.get("original_file_path", ""), node.get("resource_type", ""))
        t = float(r.get("execution_time") or 0.0)
        out[layer] += t
        out["total"] += t
        if node.get("resource_type") == "model" and node.get("name") in FUNNEL_CORE_MODELS:
            out["funnel_core"] += t
            out[node["name"]] = t
    return dict(out)


# ------------------------------------------------------------------------------- limit and scan


def purchase_steps() -> dict[str, int]:
    """event_name -> node_step of the purchase funnel, from the seeds."""
    seeds = PROJECT_DIR / "seeds"
    with (seeds / "funnel_nodes.csv").open() as f:
        steps = {
            r["node_key"]: int(r["node_step"]) for r in csv.DictReader(f) if r["funnel_key"] == "purchase"
        }
    with (seeds / "funnel_node_events.csv").open() as f:
        return {
            r["event_name"]: steps[r["node_key"]] for r in csv.DictReader(f) if r["funnel_key"] == "purchase"
        }


def limit_funnel_sql(raw: Path, window_minutes: int) -> str:
    """One DuckDB query over the raw Parquet (read once): the daily purchase funnel, users reached per node.

    Same semantics as int_funnel_user_days: user_key = user_id, else the first user who logged in on the
    device (by event time, ingestion time, event id), else 'anon:' || device_id; a user-day reaches node k
    when events e1..ek of nodes 1..k with ts(e1) <= ... <= ts(ek) <= ts(e1) + W exist, e1 on day d. The
    chain search is ClickHouse's windowFunnel scan (keep, per node, the latest start that reached it)
    as a list_reduce over the user's node events of days d and d+1 in (time, node) order. Differences:
    no validation or de-duplication (the fault-free raw zone has no invalid or duplicate rows).
    """
    steps = purchase_steps()
    values = ", ".join(f"('{e}', {s})" for e, s in sorted(steps.items()))
    n = max(steps.values())
    w_ms = window_minutes * 60_000
    glob = (raw / "events" / "*" / "*.parquet").as_posix()
    return f"""
with raw as materialized (
    select device_id, user_id, event_name, event_id, ingested_at,
           cast(event_time as timestamp) as event_ts
    from read_parquet('{glob}')
),
devices as (
    select device_id, arg_min(user_id, (event_ts, ingested_at, event_id)) as stitched_user_id
    from raw where user_id is not null group by device_id
),
nodes(event_name, node_step) as (values {values}),
node_events as (
    select coalesce(raw.user_id, devices.stitched_user_id, 'anon:' || raw.device_id) as user_key,
           epoch_ms(raw.event_ts) as ts, cast(raw.event_ts as date) as event_date, nodes.node_step
    from raw
    inner join nodes on raw.event_name = nodes.event_name
    left join devices on raw.device_id = devices.device_id
),
-- a chain starting on day d uses events of days d and d + 1 only (W <= 1 day)
user_days as (
    select user_key, start_date,
           list({{'ts': ts, 'step': node_step, 'start': node_step = 1 and event_date = start_date}}
                order by ts, node_step) as evs
    from (
        select *, unnest([event_date, cast(event_date - 1 as date)]) as start_date from node_events
    )
    group by user_key, start_date
    having bool_or(node_step = 1 and event_date = start_date)
),
levels as (
    select start_date as funnel_date,
           length(list_filter(
               list_reduce(
                   evs,
                   lambda acc, e: case
                       when e.start
                           then list_transform(acc, lambda v, i: case when i = 1 then e.ts else v end)
                       when e.step > 1 and acc[e.step - 1] is not null and e.ts <= acc[e.step - 1] + {w_ms}
                           then list_transform(
                               acc, lambda v, i: case when i = e.step then acc[e.step - 1] else v end
                           )
                       else acc
                   end,
                   cast(list_transform(range({n}), lambda x: null) as bigint[])
               ),
               lambda v: v is not null
           )) as max_step_reached
    from user_days
)
select funnel_date, node_step, count(*) filter (where max_step_reached >= node_step) as users_reached
from levels cross join range(1, {n + 1}) as t(node_step)
group by all
order by all
"""


def run_limit(work: Path, args: argparse.Namespace, window_minutes: int) -> dict:
    import duckdb

    raw = work / "raw"
    glob = (raw / "events" / "*" / "*.parquet").as_posix()
    con = duckdb.connect()
    con.execute(f"set memory_limit = '{args.memory_limit}'")
    con.execute(f"set threads = {int(args.threads)}")
    con.execute(f"set temp_directory = '{(work / 'duckdb_tmp').as_posix()}'")
    con.execute("set preserve_insertion_order = false")
    out: dict = {}
    t = time.perf_counter()
    out["raw_events"] = con.execute(f"select count(*) from read_parquet('{glob}')").fetchone()[0]
    out["count_s"] = time.perf_counter() - t
    t = time.perf_counter()
    con.execute(
        f"select event_name, cast(cast(event_time as timestamp) as date) as d, count(*) "
        f"from read_parquet('{glob}') group by all"
    ).fetchall()
    out["groupby_s"] = time.perf_counter() - t
    out["scan_s"] = out["count_s"] + out["groupby_s"]
    t = time.perf_counter()
    rows = con.execute(limit_funnel_sql(raw, window_minutes)).fetchall()
    out["limit_funnel_s"] = time.perf_counter() - t
    con.close()
    out["counts"] = {(str(d), int(s)): int(n) for d, s, n in rows}
    return out


# ----------------------------------------------------------------------------------------- ours


def our_counts(db: Path, funnel_key: str | None = None) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        sql = "select funnel_key, funnel_date, node_step, users_reached from fct_node_funnel_daily"
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    if funnel_key is not None:
        return {(str(d), int(s)): int(n) for f, d, s, n in rows if f == funnel_key}
    return {(f, str(d), int(s)): int(n) for f, d, s, n in rows}


def diff_counts(a: dict, b: dict) -> list[tuple]:
    """Keys whose counts differ (a missing key counts as 0)."""
    return [(k, a.get(k, 0), b.get(k, 0)) for k in sorted(set(a) | set(b)) if a.get(k, 0) != b.get(k, 0)]


# ----------------------------------------------------------------------------------------- chdb


def chdb_sql(parquet: Path, window_minutes: int, max_steps: int = CHDB_MAX_STEPS) -> str:
    """ClickHouse windowFunnel per (funnel_key, user_key, start day d) over the events of days d and d+1.

    The node-1 condition is `node_step = 1 AND day = d`, so only chains starting on day d count (node-1
    events of day d+1 match no condition and are ignored); every later node may come from day d or d+1,
    which covers d + W for W <= 1 day. Timestamps are epoch milliseconds (UInt64), the window is W in ms
    and windowFunnel's test `ts <= first_ts + window` is inclusive; at equal timestamps ClickHouse sorts
    by condition index, so equal times count as in order (as ours). Groups without a node-1 event of day
    d (level 0) are dropped; a user-day reaches node k when its level is >= k.
    """
    w_ms = window_minutes * 60_000
    conds = ", ".join(["step = 1 AND start_day = day"] + [f"step = {k}" for k in range(2, max_steps + 1)])
    return f"""
SELECT fk, start_day, node_step, count() AS users_reached
FROM (
    SELECT fk, uk, start_day, windowFunnel({w_ms})(ts, {conds}) AS level
    FROM (
        SELECT assumeNotNull(funnel_key) AS fk, assumeNotNull(user_key) AS uk,
               toUInt64(assumeNotNull(ts_ms)) AS ts, toUInt8(assumeNotNull(node_step)) AS step,
               toInt64(intDiv(ts, 86400000)) AS day
        FROM file('{parquet.as_posix()}', Parquet)
    )
    ARRAY JOIN [day, day - 1] AS start_day
    GROUP BY fk, uk, start_day
    HAVING level >= 1
)
ARRAY JOIN range(1, level + 1) AS node_step
GROUP BY fk, start_day, node_step
ORDER BY fk, start_day, node_step
"""


def run_chdb(work: Path, db: Path, window_minutes: int) -> dict:
    import duckdb

    parquet = work / "int_funnel_events.parquet"
    t = time.perf_counter()
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute(
            "copy (select funnel_key, user_key, epoch_ms(event_ts) as ts_ms, node_step "
            f"from int_funnel_events) to '{parquet.as_posix()}' (format parquet)"
        )
    finally:
        con.close()
    export_s = time.perf_counter() - t
    import chdb

    t = time.perf_counter()
    res = chdb.query(chdb_sql(parquet, window_minutes), "CSV")
    chdb_s = time.perf_counter() - t
    counts = {}
    for line in csv.reader(str(res).splitlines()):
        if line:
            f, day, step, n = line
            counts[(f, str(date(1970, 1, 1) + timedelta(days=int(day))), int(step))] = int(n)
    return {"export_s": export_s, "chdb_s": chdb_s, "counts": counts}


def chdb_available() -> bool:
    try:
        import chdb  # noqa: F401
    except ImportError:
        return False
    return True


# ----------------------------------------------------------------------------------- checkpoint


def run_checkpoint(work: Path, env) -> tuple[float, int]:
    """The GX checkpoint on the 3 latest complete days, on a copy of the repo's gx/ project."""
    gx_dir = work / "gx"
    shutil.copytree(PROJECT_DIR / "gx", gx_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("vendor"))
    cmd = [
        sys.executable, "-m", "keynode.checkpoint", "--duckdb-path", str(work / "bench.duckdb"),
        "--latest-days", "3", "--no-data-docs", "--output-dir", str(work / "output"), "--gx-dir", str(gx_dir),
    ]  # fmt: skip
    t = time.perf_counter()
    rc = subprocess.run(cmd, env=env, cwd=str(PROJECT_DIR), stdout=subprocess.DEVNULL).returncode
    return time.perf_counter() - t, rc


# ----------------------------------------------------------------------------------------- main


def window_minutes_var() -> int:
    for line in (PROJECT_DIR / "dbt_project.yml").read_text().splitlines():
        if line.strip().startswith("keynode__conversion_window_minutes:"):
            return int(line.split(":", 1)[1].split("#")[0])
    return 1440


def bench_size(n: int, args: argparse.Namespace) -> dict:
    label = size_label(n)
    work = (args.work_dir / label).resolve()
    if work.exists():
        shutil.rmtree(work)
    (work / "duckdb_tmp").mkdir(parents=True)
    env = child_env(work, args)
    w = window_minutes_var()
    row: dict = {"size": label, "target_events": n}
    log = lambda msg: print(f"[benchmark {label}] {msg}", flush=True)  # noqa: E731

    log(f"generating {args.days + 1} days, ~{n:,} events (--no-faults, seed {args.seed})")
    row["generate_s"] = generate(work / "raw", n, args.days + 1, args.seed, args.start_date, env)
    # the newest business day's landing (and the late tail after it) is held back for the increment
    new_day = (date.fromisoformat(args.start_date) + timedelta(days=args.days)).isoformat()
    row["held_back_from"] = new_day
    row["held_back_folders"] = hold_back(work / "raw", work / "holdback", new_day)

    log("full build: dbt seed + dbt build")
    full = run_dbt_child(work, work / "target_full", ["seed", "build"], env)
    row.update(full_build_s=full["wall_s"], peak_mb=full["peak_mb"], full_steps_s=full["steps_s"])
    row["layers_s"] = full["layers_s"]
    funnel_s = full["layers_s"].get("funnel_core", 0.0)

    log("limit: raw scan and hand-written funnel query")
    lim = run_limit(work, args, w)
    row["events"] = lim["raw_events"]
    row.update({k: lim[k] for k in ("count_s", "groupby_s", "scan_s", "limit_funnel_s")})
    row["funnel_layer_s"] = funnel_s
    row["funnel_layer_over_limit"] = funnel_s / lim["limit_funnel_s"] if lim["limit_funnel_s"] else None
    row["funnel_layer_over_scan"] = funnel_s / lim["scan_s"] if lim["scan_s"] else None
    ours_all = our_counts(work / "bench.duckdb")
    ours_purchase = {(d, s): v for (f, d, s), v in ours_all.items() if f == "purchase"}
    limit_diff = diff_counts(ours_purchase, lim["counts"])
    row["limit_counts_equal"] = not limit_diff
    row["limit_counts_diff"] = [list(map(str, d)) for d in limit_diff[:50]]

    if args.no_chdb or not chdb_available():
        log("chdb not available: peer skipped (pip install -r requirements-bench.txt)")
        row.update(chdb_s=None, ours_over_chdb=None, chdb_counts_equal=None)
    else:
        log("peer: chdb windowFunnel on int_funnel_events")
        ch = run_chdb(work, work / "bench.duckdb", w)
        d = diff_counts(ours_all, ch["counts"])
        row.update(chdb_export_s=ch["export_s"], chdb_s=ch["chdb_s"])
        row["ours_over_chdb"] = funnel_s / ch["chdb_s"] if ch["chdb_s"] else None
        # like for like: chdb starts from int_funnel_events, so compare the two models after it
        after_events = funnel_s - full["layers_s"].get("int_funnel_events", 0.0)
        row["user_days_and_daily_over_chdb"] = after_events / ch["chdb_s"] if ch["chdb_s"] else None
        row["chdb_counts_equal"] = not d
        row["chdb_rows_compared"] = len(set(ours_all) | set(ch["counts"]))
        row["chdb_counts_diff"] = [list(map(str, x)) for x in d[:50]]
        print(f"[benchmark {label}] chdb vs ours: {row['chdb_rows_compared']} (funnel, day, node) rows, "
              f"{len(d)} differ", flush=True)  # fmt: skip
        for k, ours, theirs in d[:20]:
            print(f"    {k}: ours {ours}, chdb {theirs}")

    log(f"incremental: landing days >= {new_day} arrive, dbt build --exclude-resource-type unit_test")
    restore(work / "raw", work / "holdback")
    # the daily production run: models and data tests; unit tests test code, not data, and run in CI
    incr = run_dbt_child(work, work / "target_incr", ["build --exclude-resource-type unit_test"], env)
    row.update(incremental_s=incr["wall_s"], incremental_peak_mb=incr["peak_mb"])
    row["incr_over_full"] = incr["wall_s"] / full["wall_s"]
    row["incremental_layers_s"] = incr["layers_s"]

    log("GX checkpoint (--latest-days 3)")
    row["checkpoint_s"], row["checkpoint_rc"] = run_checkpoint(work, env)
    if not args.keep:
        for p in ("raw", "duckdb_tmp", "int_funnel_events.parquet"):
            q = work / p
            shutil.rmtree(q, ignore_errors=True) if q.is_dir() else q.unlink(missing_ok=True)
    return row


def fmt(v, spec: str = ".1f") -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, int):
        return f"{v:,}"
    return format(v, spec)


LAYER_ORDER = ("seeds", "staging", "identity", "events", "sessions", "funnels", "sku", "behaviour",
               "anomalies", "quality", "tests")  # fmt: skip


def render(rows: list[dict], machine: dict, args: argparse.Namespace) -> str:
    lines = [
        f"machine: {machine['cores_logical']} cores ({machine['cores_physical']} physical), "
        f"{machine['memory_gb']} GB RAM, {machine['platform']}, Python {machine['python']}",
        f"settings: DuckDB memory_limit={args.memory_limit} threads={args.threads}, dbt threads="
        f"{args.dbt_threads}, {args.days}+1 days, seed {args.seed}",
        "",
    ]
    cols = [
        ("size", "size", "s"),
        ("events", "events", "d"),
        ("generate s", "generate_s", ".1f"),
        ("full build s", "full_build_s", ".1f"),
        ("peak MB", "peak_mb", ".0f"),
        ("incremental s", "incremental_s", ".1f"),
        ("incr/full", "incr_over_full", ".2f"),
        ("scan s", "scan_s", ".2f"),
        ("limit-funnel s", "limit_funnel_s", ".2f"),
        ("funnel layer s", "funnel_layer_s", ".2f"),
        ("funnel-layer/limit", "funnel_layer_over_limit", ".1f"),
        ("limit = ours", "limit_counts_equal", ""),
        ("chdb s", "chdb_s", ".2f"),
        ("ours/chdb", "ours_over_chdb", ".1f"),
        ("(user-days+daily)/chdb", "user_days_and_daily_over_chdb", ".1f"),
        ("counts equal", "chdb_counts_equal", ""),
        ("checkpoint s", "checkpoint_s", ".1f"),
    ]
    table = [[c[0] for c in cols]]
    for r in rows:
        table.append([r[k] if spec == "s" else fmt(r.get(k), spec or ".2f") for _, k, spec in cols])
    widths = [max(len(str(t[i])) for t in table) for i in range(len(cols))]
    for i, t in enumerate(table):
        lines.append(" | ".join(str(v).rjust(widths[j]) for j, v in enumerate(t)))
        if i == 0:
            lines.append("-+-".join("-" * w for w in widths))
    layers = sorted({k for r in rows for k in r["layers_s"]} - {"total", "funnel_core", *FUNNEL_CORE_MODELS})
    layers = [x for x in LAYER_ORDER if x in layers] + [x for x in layers if x not in LAYER_ORDER]
    lines += [
        "",
        "per-layer seconds of the full build (dbt execution_time of models + their data and unit tests;"
        " with dbt threads > 1 the sum exceeds the wall time)",
    ]
    head = ["size", *layers, "total", *FUNNEL_CORE_MODELS]
    table = [head] + [[r["size"], *(fmt(r["layers_s"].get(x, 0.0)) for x in head[1:])] for r in rows]
    widths = [max(len(str(t[i])) for t in table) for i in range(len(head))]
    for i, t in enumerate(table):
        lines.append(" | ".join(str(v).rjust(widths[j]) for j, v in enumerate(t)))
        if i == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="keynode-benchmark",
        description=__doc__.split("\n\n")[0],
        epilog="Exit status: 0 ok, 1 chdb's counts differ from ours (or a step failed).",
    )
    p.add_argument("--sizes", default="1M,10M,30M", help="comma-separated event counts (default 1M,10M,30M)")
    p.add_argument("--work-dir", type=Path, default=Path("/tmp/keynode-bench"), help="scratch folder")
    p.add_argument("--out", type=Path, default=None, help="JSON results (default <work-dir>/results.json)")
    p.add_argument("--memory-limit", default=os.environ.get("KEYNODE_DUCKDB_MEMORY_LIMIT", "8GB"),
                   help="DuckDB memory_limit (KEYNODE_DUCKDB_MEMORY_LIMIT; spills beyond it)")  # fmt: skip
    p.add_argument("--threads", type=int, default=int(os.environ.get("KEYNODE_DUCKDB_THREADS", "2")),
                   help="DuckDB threads (KEYNODE_DUCKDB_THREADS)")  # fmt: skip
    p.add_argument("--dbt-threads", type=int, default=int(os.environ.get("KEYNODE_THREADS", "2")),
                   help="dbt threads (KEYNODE_THREADS)")  # fmt: skip
    p.add_argument("--days", type=int, default=30, help="days of the full build (one more is generated)")
    p.add_argument("--seed", type=int, default=7, help="generator seed")
    p.add_argument("--start-date", default="2026-10-15", help="first business day of the generated data")
    p.add_argument("--no-chdb", action="store_true", help="skip the chdb peer")
    p.add_argument("--keep", action="store_true", help="keep raw zone and temp files after each size")
    p.add_argument("--render", type=Path, default=None, help="only print the table of a results JSON")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_dbt":
        return dbt_child(argv[1:])
    args = parse_args(argv)
    if args.render:
        saved = json.loads(args.render.read_text())
        print(render(saved["results"], saved["machine"], argparse.Namespace(**saved["args"])))
        return 0
    out = args.out or args.work_dir / "results.json"
    machine = machine_info()
    print(f"[benchmark] {machine['cores_logical']} cores, {machine['memory_gb']} GB RAM", flush=True)
    rows = []
    for size in args.sizes.split(","):
        rows.append(bench_size(parse_size(size), args))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"machine": machine, "args": vars(args), "results": rows}, indent=2,
                                  default=str))  # fmt: skip
    print()
    print(render(rows, machine, args))
    print(f"\nJSON: {out}")
    bad = [r["size"] for r in rows if r.get("chdb_counts_equal") is False]
    if bad:
        print(f"[benchmark] chdb counts differ from ours at {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
