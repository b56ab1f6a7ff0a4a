"""Benchmark the whole pipeline per data size: build time, peak memory, incremental cost, distance to
the limit, and ClickHouse as the peer.

For each size (target number of events; 100K, 1M, 30M, 100M ...), into <work-dir>/<size>/:

1. generate a fault-free raw zone (`keynode generate --no-faults --seed S --days D+1 --events N`);
2. hold back the folders of the newest landing day (`<entity>/dt=<last>`), then build as `keynode run`
   does, `dbt build --exclude-resource-type unit_test` (keynode.dbt.PRODUCTION_BUILD: seeds, models and
   data tests in one invocation), in a child process (dbtRunner): wall time, its exact peak memory
   (the kernel's ru_maxrss of the child, from wait4), and seconds per layer
   (execution_time of every node in run_results.json, grouped by model folder; with dbt threads > 1
   the layer sums can exceed the wall time); the child's RSS is also sampled every 0.5 s, only to name
   the nodes that were running when memory was highest; then, apart, the dbt unit tests (UNIT_TESTS_COMMAND
   below), which CI runs and the daily job does not;
3. the limit (in a fresh process, like step 4, so that this process stays small and the later dbt
   children's ru_maxrss is their own: measure.in_fresh_process): a plain scan of the raw events
   (count(*), and a group-by event_name x UTC day), and one hand-written DuckDB query
   (bench/sql/limit_purchase_funnel.sql) that reads the raw Parquet once and computes the daily
   17-node purchase funnel with the same semantics (user_key = the same device stitch; windowFunnel
   as a list_reduce over each user's events of days d and d+1); its counts are compared with
   fct_node_funnel_daily;
4. the peer: ClickHouse `windowFunnel` through chdb on int_funnel_events
   (bench/sql/clickhouse/chdb_window_funnel.sql) (exported to Parquet); its
   counts must equal fct_node_funnel_daily exactly (all funnels, all days, all nodes);
5. the funnel layer alone: the three funnel models rebuilt one at a time (`dbt run --full-refresh
   --threads 1`) on the quiet machine, as chdb runs, for a like-for-like ratio (the in-build figure
   shares the two cores with other models);
6. the held-back landing day arrives: the same production build again (incremental: the daily run),
   timed; like a daily run
   it starts from the previous build's parse (target/partial_parse.msgpack: dbt re-parses only what
   changed, about 5 s less than a cold parse at any size);
7. the Great Expectations checkpoint (`keynode check --latest-days 3 --no-data-docs`), timed.

Prints a table (plus core count and memory of the machine) and writes JSON to --out. Exits 1 when the
chdb counts differ from ours. DuckDB settings go through KEYNODE_DUCKDB_MEMORY_LIMIT /
KEYNODE_DUCKDB_THREADS / KEYNODE_DUCKDB_TEMP_DIR (<work-dir>/<size>/duckdb_tmp, where DuckDB spills
when a query needs more than the memory limit). chdb is only needed for step 4
(`pip install -r requirements-bench.txt`); without it (or with --no-chdb) that step is skipped.

Examples:
  keynode bench --sizes 1M,10M,30M --work-dir /tmp/keynode-bench --out output/benchmark.json
  keynode bench --sizes 10M --memory-limit 3GB --no-chdb
  keynode bench --render output/benchmark.json       # reprint the table of a saved run
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

from keynode.bench import limit, measure, peer
from keynode.bench.report import render
from keynode.commands import parse_count
from keynode.dbt import PRODUCTION_BUILD
from keynode.project import dbt_var

# The funnel layer on a quiet machine, as chdb runs: the three models rebuilt one after another (dbt
# threads 1, DuckDB's threads each) from the built warehouse. Their result is the one the build wrote.
PRODUCTION_BUILD_COMMAND = " ".join(PRODUCTION_BUILD)  # the full build and the increment, as keynode run
UNIT_TESTS_COMMAND = "test --select test_type:unit"
FUNNEL_ALONE_COMMAND = "run --full-refresh --threads 1 --select " + " ".join(measure.FUNNEL_CORE_MODELS)


def bench_size(n: int, args: argparse.Namespace, row: dict) -> None:
    """Measures one size into ``row`` (filled step by step: a step that fails leaves what came before)."""
    label = row["size"]
    work = (args.work_dir / label).resolve()
    if work.exists():
        shutil.rmtree(work)
    (work / "duckdb_tmp").mkdir(parents=True)
    env = measure.child_env(work, args)
    w = int(dbt_var("keynode__conversion_window_minutes"))
    log = lambda msg: print(f"[benchmark {label}] {msg}", flush=True)  # noqa: E731

    log(f"generating {args.days + 1} days, ~{n:,} events (--no-faults, seed {args.seed})")
    row["generate_s"] = measure.generate(work / "raw", n, args.days + 1, args.seed, args.start_date, env)
    # the newest business day's landing (and the late tail after it) is held back for the increment
    new_day = (date.fromisoformat(args.start_date) + timedelta(days=args.days)).isoformat()
    row["held_back_from"] = new_day
    row["held_back_folders"] = measure.hold_back(work / "raw", work / "holdback", new_day)

    log("full build: " + PRODUCTION_BUILD_COMMAND)
    full = measure.run_dbt_child(work, work / "target_full", [PRODUCTION_BUILD_COMMAND], env)
    row.update(full_build_s=full["wall_s"], peak_mb=full["peak_mb"], full_steps_s=full["steps_s"])
    row["own_peak_mb"] = full["own_peak_mb"]  # the dbt child's own high-water mark (VmHWM), see RssTimeline
    row["temp_peak_mb"] = full["temp_peak_mb"]
    row["warehouse_mb"] = (work / "bench.duckdb").stat().st_size / 2**20  # what storing it costs on disk
    row["layers_s"] = full["layers_s"]
    row["full_top_models"] = full["top_models"]
    row["full_memory_by_node"] = full["memory_by_node"]
    funnel_s = full["layers_s"].get("funnel_core", 0.0)

    log("unit tests (CI's, not the daily job's): " + UNIT_TESTS_COMMAND)
    measure.carry_parse_state(work / "target_full", work / "target_unit")
    unit = measure.run_dbt_child(work, work / "target_unit", [UNIT_TESTS_COMMAND], env)
    row["unit_tests_s"] = unit["wall_s"]

    log("limit: raw scan and hand-written funnel query")
    # the limit query and chdb run in fresh processes: this one stays small, so the dbt children started
    # after them report their own peak memory (measure.in_fresh_process)
    settings = argparse.Namespace(memory_limit=args.memory_limit, threads=args.threads)  # what it reads
    lim = measure.in_fresh_process(limit.run_limit, work, settings, w)
    row["events"] = lim["raw_events"]
    row.update({k: lim[k] for k in ("count_s", "groupby_s", "scan_s", "limit_funnel_s")})
    row["funnel_layer_s"] = funnel_s
    row["funnel_layer_over_limit"] = funnel_s / lim["limit_funnel_s"] if lim["limit_funnel_s"] else None
    row["funnel_layer_over_scan"] = funnel_s / lim["scan_s"] if lim["scan_s"] else None
    ours_all = limit.our_counts(work / "bench.duckdb")
    if lim["counts"] is None:
        log(f"limit query failed, recorded: {lim['limit_error']}")
        row.update(limit_error=lim["limit_error"], limit_counts_equal=None)
    else:
        ours_purchase = {(d, s): v for (f, d, s), v in ours_all.items() if f == "purchase"}
        limit_diff = limit.diff_counts(ours_purchase, lim["counts"])
        row["limit_counts_equal"] = not limit_diff
        row["limit_counts_diff"] = [list(map(str, d)) for d in limit_diff[:50]]

    ch = None
    if args.no_chdb or not peer.chdb_available():
        log("chdb not available: peer skipped (pip install -r requirements-bench.txt)")
        row.update(chdb_s=None, ours_over_chdb=None, chdb_counts_equal=None)
    else:
        log("peer: chdb windowFunnel on int_funnel_events")
        try:
            ch = measure.in_fresh_process(peer.run_chdb, work, work / "bench.duckdb", w)
        except Exception as exc:  # noqa: BLE001 - the peer's failure is a result, the increment still runs
            ch = None
            row.update(chdb_error=f"{type(exc).__name__}: {exc}".split("\n")[0], chdb_counts_equal=None)
            log(f"chdb failed, recorded: {row['chdb_error']}")
    if ch is not None:
        d = limit.diff_counts(ours_all, ch["counts"])
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

    log("funnel models alone: " + FUNNEL_ALONE_COMMAND)
    alone = measure.run_dbt_child(work, work / "target_funnel_alone", [FUNNEL_ALONE_COMMAND], env)
    row["funnel_alone_s"] = alone["layers_s"].get("funnel_core", 0.0)
    row["funnel_alone_by_model_s"] = {m: alone["layers_s"].get(m, 0.0) for m in measure.FUNNEL_CORE_MODELS}
    if row.get("chdb_s"):
        row["funnel_alone_over_chdb"] = row["funnel_alone_s"] / row["chdb_s"]
        # like for like twice over: alone, and without int_funnel_events, which chdb reads as its input
        alone_after_events = row["funnel_alone_s"] - row["funnel_alone_by_model_s"]["int_funnel_events"]
        row["user_days_and_daily_alone_over_chdb"] = alone_after_events / row["chdb_s"]

    log(f"incremental: landing days >= {new_day} arrive, {PRODUCTION_BUILD_COMMAND}")
    measure.restore(work / "raw", work / "holdback")
    # the daily production run (models and data tests), as the full build above
    # It finds yesterday's parse in target/ (dbt's partial parsing), as `keynode run` does day after day.
    measure.carry_parse_state(work / "target_full", work / "target_incr")
    incr = measure.run_dbt_child(work, work / "target_incr", [PRODUCTION_BUILD_COMMAND], env)
    row.update(incremental_s=incr["wall_s"], incremental_peak_mb=incr["peak_mb"])
    row["incremental_own_peak_mb"] = incr["own_peak_mb"]
    row["incremental_temp_peak_mb"] = incr["temp_peak_mb"]
    row["incr_over_full"] = incr["wall_s"] / full["wall_s"]
    row["incremental_layers_s"] = incr["layers_s"]
    row["incremental_top_models"] = incr["top_models"]
    row["incremental_memory_by_node"] = incr["memory_by_node"]

    log("GX checkpoint (--latest-days 3)")
    row["checkpoint_s"], row["checkpoint_rc"] = measure.run_checkpoint(work, env)
    if not args.keep:
        for p in ("raw", "duckdb_tmp", "int_funnel_events.parquet"):
            q = work / p
            shutil.rmtree(q, ignore_errors=True) if q.is_dir() else q.unlink(missing_ok=True)


def configure(p: argparse.ArgumentParser) -> None:
    """Options; exit status 0 ok, 1 chdb's counts differ from ours or a size failed (its row says why,
    the other sizes still run)."""
    p.add_argument("--sizes", default="1M,10M,30M", help="comma-separated event counts (default 1M,10M,30M)")
    p.add_argument("--work-dir", type=Path, default=Path("/tmp/keynode-bench"), help="scratch folder")
    p.add_argument("--out", type=Path, default=None, help="JSON results (default <work-dir>/results.json)")
    p.add_argument("--memory-limit", default=os.environ.get("KEYNODE_DUCKDB_MEMORY_LIMIT", "3GB"),
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


def run(args: argparse.Namespace) -> int:
    if args.render:
        saved = json.loads(args.render.read_text())
        print(render(saved["results"], saved["machine"], argparse.Namespace(**saved["args"])))
        return 0
    out = args.out or args.work_dir / "results.json"
    machine = measure.machine_info()
    print(f"[benchmark] {machine['cores_logical']} cores, {machine['memory_gb']} GB RAM", flush=True)
    rows = []
    for size in args.sizes.split(","):
        n = parse_count(size)
        row: dict = {"size": measure.size_label(n), "target_events": n}
        rows.append(row)
        try:
            bench_size(n, args, row)
        except Exception as exc:  # noqa: BLE001
            # a size that fails (out of disk for DuckDB's temp files, a query out of memory, ...) is a
            # result too: record it and go on with the next size
            row["error"] = str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: {exc}"
            print(f"[benchmark {row['size']}] FAILED: {exc}", file=sys.stderr, flush=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"machine": machine, "args": vars(args), "results": rows}, indent=2,
                                  default=str))  # fmt: skip
    print()
    print(render(rows, machine, args))
    print(f"\nJSON: {out}")
    bad = [r["size"] for r in rows if r.get("chdb_counts_equal") is False]
    if bad:
        print(f"[benchmark] chdb counts differ from ours at {', '.join(bad)}", file=sys.stderr)
    failed = [r["size"] for r in rows if r.get("error")]
    return 1 if bad or failed else 0
