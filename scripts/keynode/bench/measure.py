"""Measuring one benchmark size: the child processes (generator, dbt, checkpoint), their wall time and
exact peak memory, the raw zone's held-back landing day, and dbt's seconds per layer."""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

from keynode.paths import PROJECT_DIR

SCRIPTS_DIR = PROJECT_DIR / "scripts"
FUNNEL_CORE_MODELS = ("int_funnel_events", "int_funnel_user_days", "fct_node_funnel_daily")


def size_label(n: int) -> str:
    """30_000_000 -> '30M', 5000 -> '5K' (the folder and row label of a size)."""
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


def run_measured(
    cmd: list[str], env: dict[str, str], on_start: Callable[[int], None] | None = None
) -> tuple[float, float, int]:
    """Runs ``cmd`` as a child; returns (wall seconds, peak RSS in MB, exit code). ``on_start`` gets
    the child's pid as soon as it runs (e.g. RssTimeline.watch).

    The peak is the kernel's ``ru_maxrss`` of the child from ``wait4``: exact, not sampled, and it
    covers the descendants the child waited for (dbt runs in-process in the child, so the child is the
    whole build). It also covers this process's own high-water mark at the start (inherited through
    vfork + exec), so this process must stay small: heavy steps go through in_fresh_process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=str(PROJECT_DIR))
    if on_start is not None:
        on_start(proc.pid)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, proc.returncode


def in_fresh_process(fn: Callable, *args):
    """``fn(*args)`` in a freshly spawned interpreter; returns its result (exceptions propagate).

    For the benchmark's own heavy steps (the limit query, chdb): run in this process, they would raise
    its memory high-water mark, and every dbt child started after them would report it as its own
    peak. Python starts children with vfork + exec, and at exec Linux folds the high-water mark of the
    memory the child leaves (here the parent's) into the child's ru_maxrss: a parent that once held
    1.5 GB gives `/bin/true` a ru_maxrss of 1.5 GB, even after freeing it. That was the "spike" of the
    30M and 100M increments (ru_maxrss 5.7-13.2 GB while the build's own VmHWM stayed under 3.9 GB)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def machine_info() -> dict:
    import psutil

    return {
        "cores_logical": os.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def generate(raw: Path, events: int, days: int, seed: int, start: str, env: dict[str, str]) -> float:
    cmd = [
        sys.executable, "-m", "keynode", "generate", "--out", str(raw), "--seed", str(seed),
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


class FolderPeak:
    """While the ``with`` block runs, a thread sums the sizes of the files under ``folder`` every
    ``interval`` seconds and keeps the largest total (``peak_mb``): DuckDB's spill files in its
    temp_directory. Sampled, so a lower bound of the true peak (a spill shorter than the interval can
    be missed); the kernel keeps no high-water mark of a folder."""

    def __init__(self, folder: Path, interval: float = 1.0):
        self.folder, self.interval, self.peak_mb = folder, interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _size_mb(self) -> float:
        total = 0
        for root, _, files in os.walk(self.folder):
            for name in files:
                with contextlib.suppress(FileNotFoundError):  # DuckDB deleted it meanwhile
                    total += os.stat(os.path.join(root, name)).st_size
        return total / 2**20

    def _sample(self) -> None:
        while True:
            self.peak_mb = max(self.peak_mb, self._size_mb())
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> FolderPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


class RssTimeline:
    """Samples the resident memory (VmRSS, /proc/<pid>/status) of one process every ``interval``
    seconds while it runs, as (epoch seconds, MB) in ``samples``: which dbt nodes were running when the
    build's memory was highest (memory_by_node). For attribution only: the peak the benchmark reports is
    the kernel's ru_maxrss, which is exact; a sample can miss a spike shorter than the interval.

    Each sample also reads VmHWM, the kernel's exact high-water mark of the process itself (not of its
    descendants): ``own_peak_mb`` is the last value read, exact unless the peak came in the last
    interval before the process exited. ru_maxrss from wait4 is the larger of the process's peak and
    its waited-for descendants' peaks, so ru_maxrss well above own_peak_mb says a descendant (a forked
    child holds its parent's resident pages until it execs) was the largest, not the build."""

    def __init__(self, interval: float = 0.5):
        self.interval, self.samples, self.own_peak_mb = interval, [], 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, pid: int) -> None:
        self._thread = threading.Thread(target=self._sample, args=(pid,), daemon=True)
        self._thread.start()

    def _sample(self, pid: int) -> None:
        status = Path(f"/proc/{pid}/status")
        while not self._stop.is_set():
            try:
                fields = dict(x.split(":", 1) for x in status.read_text().splitlines() if x.startswith("Vm"))
            except OSError:  # not started yet, exited, or no /proc (not Linux)
                fields = {}
            if "VmRSS" in fields:
                self.samples.append((time.time(), int(fields["VmRSS"].split()[0]) / 1024))
            if "VmHWM" in fields:
                self.own_peak_mb = max(self.own_peak_mb, int(fields["VmHWM"].split()[0]) / 1024)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def node_name(unique_id: str) -> str:
    """'model.keynode.int_sessions' -> 'int_sessions'; a data test's name without its hash."""
    parts = unique_id.split(".")
    return parts[-1] if parts[0] in ("model", "seed", "unit_test") or len(parts) < 3 else parts[2]


def node_spans(target: Path) -> dict[str, tuple[float, float]]:
    """Per node of the last run (run_results.json): (start, end) in epoch seconds, from the start of its
    first timing phase (compile) to the end of its last (execute)."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    spans = {}
    for r in results:
        phases = [t for t in r.get("timing") or [] if t.get("started_at") and t.get("completed_at")]
        if phases:
            start = min(datetime.fromisoformat(t["started_at"]).timestamp() for t in phases)
            end = max(datetime.fromisoformat(t["completed_at"]).timestamp() for t in phases)
            spans[node_name(r["unique_id"])] = (start, end)
    return spans


def memory_by_node(
    samples: list[tuple[float, float]], spans: dict[str, tuple[float, float]], n: int = 5
) -> dict:
    """The largest RSS sample with the nodes running at that moment (``peak``), and the `n` nodes with
    the largest sample taken while they ran (``top``: [[node, MB], ...]; with dbt threads > 1 a sample
    counts for every node running then)."""
    by_node: dict[str, float] = {}
    for t, mb in samples:
        for node, (start, end) in spans.items():
            if start <= t <= end:
                by_node[node] = max(by_node.get(node, 0.0), mb)
    peak = {}
    if samples:
        t, mb = max(samples, key=lambda s: s[1])
        peak = {"mb": mb, "nodes": sorted(node for node, (a, b) in spans.items() if a <= t <= b)}
    top = sorted(by_node.items(), key=lambda x: -x[1])[:n]
    return {"peak": peak, "top": [[node, round(mb)] for node, mb in top]}


def carry_parse_state(previous_target: Path, target: Path) -> None:
    """Gives ``target`` the parse state dbt saved in ``previous_target`` (partial_parse.msgpack), as the
    project's target/ folder holds yesterday's for a daily run."""
    target.mkdir(parents=True, exist_ok=True)
    state = previous_target / "partial_parse.msgpack"
    if state.exists():
        shutil.copy2(state, target / state.name)


def run_dbt_child(work: Path, target: Path, commands: list[str], env) -> dict:
    timings_path = target / "bench_timings.json"
    target.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "keynode.bench.child", str(work / "bench.duckdb"), str(work / "raw"),
        str(target), str(timings_path), ",".join(commands),
    ]  # fmt: skip
    rss = RssTimeline()
    with FolderPeak(Path(env["KEYNODE_DUCKDB_TEMP_DIR"])) as spill:
        try:
            wall, peak, rc = run_measured(cmd, env, on_start=rss.watch)
        finally:
            rss.stop()
    if rc != 0:
        raise RuntimeError(
            f"dbt {commands} failed (exit {rc}) after {wall:.0f} s, DuckDB temp files up to "
            f"{spill.peak_mb:,.0f} MB; logs in {target / 'logs'}"
        )
    return {
        "wall_s": wall,
        "peak_mb": peak,
        "own_peak_mb": rss.own_peak_mb,
        "temp_peak_mb": spill.peak_mb,
        "steps_s": json.loads(timings_path.read_text()),
        "layers_s": layer_seconds(target),
        "top_models": top_models(target),
        "memory_by_node": memory_by_node(rss.samples, node_spans(target)),
    }


def layer_of(path: str, resource_type: str) -> str:
    parts = Path(path).parts
    if resource_type == "seed" or (parts and parts[0] == "seeds"):
        return "seeds"
    if parts and parts[0] == "models" and len(parts) > 3:
        return "staging" if parts[1] == "staging" else parts[2]
    if parts and parts[0] == "models" and len(parts) == 3:  # a file right in models/<folder>/
        return parts[1]
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


def top_models(target: Path, n: int = 5) -> list[list]:
    """The `n` models with the largest execution_time of the last run: [[name, seconds], ...]."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    seconds = {r["unique_id"].rsplit(".", 1)[-1]: float(r.get("execution_time") or 0.0)
               for r in results if r["unique_id"].startswith("model.")}  # fmt: skip
    return [[name, round(t, 2)] for name, t in sorted(seconds.items(), key=lambda x: -x[1])[:n]]


def growth(rows: list[dict], keys: tuple[str, ...]) -> list[dict]:
    """Per consecutive pair of sizes: the ratio of events and of each of `keys` (None when missing/zero)."""
    out = []
    for a, b in zip(rows, rows[1:], strict=False):
        step = {"from": a["size"], "to": b["size"]}
        for k in ("events", *keys):
            x, y = a.get(k), b.get(k)
            step[k] = y / x if isinstance(x, (int, float)) and isinstance(y, (int, float)) and x else None
        out.append(step)
    return out


def run_checkpoint(work: Path, env) -> tuple[float, int]:
    """The GX checkpoint on the 3 latest complete days, on a copy of the repo's gx/ project."""
    gx_dir = work / "gx"
    shutil.copytree(PROJECT_DIR / "gx", gx_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("vendor"))
    cmd = [
        sys.executable, "-m", "keynode", "check", "--duckdb-path", str(work / "bench.duckdb"),
        "--latest-days", "3", "--no-data-docs", "--output-dir", str(work / "output"), "--gx-dir", str(gx_dir),
    ]  # fmt: skip
    t = time.perf_counter()
    rc = subprocess.run(cmd, env=env, cwd=str(PROJECT_DIR), stdout=subprocess.DEVNULL).returncode
    return time.perf_counter() - t, rc
