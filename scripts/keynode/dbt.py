"""Running dbt in-process (dbtRunner) against a chosen DuckDB file and raw zone.

Every keynode tool and test goes through `run_dbt`, so the environment dbt sees (profile, database
path, raw path, no telemetry) is set in one place. With ``progress=True`` dbt runs quietly and a live
line counts the nodes done (keynode.progress); dbt's full log still goes to its log file.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from keynode.paths import PROJECT_DIR

# The production build: seeds, models, snapshots and data tests in one invocation (one parse; dbt builds
# the seeds first, in DAG order), without the unit tests. Unit tests check the SQL against hand-made
# inputs, not the data, so they run in CI (scripts/test.sh) and on request (`keynode run --unit-tests`),
# as dbt recommends for production jobs. `keynode run` runs it every day; `keynode bench` times it.
PRODUCTION_BUILD = ("build", "--exclude-resource-type", "unit_test")


class DbtFailed(RuntimeError):
    """A dbt invocation failed; the message names the failing nodes."""


@dataclass
class Warehouse:
    """Where a keynode build reads and writes."""

    duckdb_path: Path
    raw_path: Path
    target_path: Path | None = None  # dbt's target/ folder (default: <project>/target)
    log_path: Path | None = None

    def env(self) -> dict[str, str]:
        tmp = self.duckdb_path.parent / "duckdb_tmp"
        return {
            "KEYNODE_DUCKDB_PATH": str(self.duckdb_path),
            "KEYNODE_RAW_PATH": str(self.raw_path),
            "KEYNODE_DUCKDB_TEMP_DIR": os.environ.get("KEYNODE_DUCKDB_TEMP_DIR", str(tmp)),
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
        }


@contextmanager
def _environ(values: dict[str, str]):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_dbt(
    wh: Warehouse, args: list[str], *, check: bool = True, quiet: bool = True, progress: bool = False
):
    """Runs one dbt command in-process and returns dbt's result object.

    Raises DbtFailed (naming the failed nodes and their messages) when `check` and dbt fails.
    ``progress`` shows a live "nodes done / total" line instead of dbt's own per-node lines.
    """
    from dbt.cli.main import dbtRunner

    wh.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    # Flags go after the whole (sub)command: `docs generate`, `source freshness`, `build`, ...
    n_words = 2 if args[0] in ("docs", "source") and len(args) > 1 else 1
    cmd = [*args[:n_words], "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    if wh.target_path:
        cmd += ["--target-path", str(wh.target_path)]
    if wh.log_path:
        cmd += ["--log-path", str(wh.log_path)]
    cmd += list(args[n_words:])
    if quiet or progress:
        cmd = ["--quiet", *cmd]
    counter = NodeCounter(f"dbt {' '.join(args[:n_words])}") if progress else None
    with _environ(wh.env()):
        try:
            res = dbtRunner(callbacks=[counter] if counter else []).invoke(cmd)
        finally:
            release_duckdb()
            if counter:
                counter.close()
    if check and not res.success:
        raise DbtFailed(describe_failure(args, res))
    return res


class NodeCounter:
    """dbt event callback that drives a progress line: the total from ConcurrencyLine, one step per
    NodeFinished, and a count of failures."""

    def __init__(self, label: str):
        from keynode.progress import Progress

        self.progress = Progress(label, unit="nodes")
        self.failed = 0

    def __call__(self, event) -> None:
        name = event.info.name
        if name == "ConcurrencyLine":
            self.progress.set_total(int(event.data.node_count))
        elif name == "NodeFinished":
            info = event.data.node_info
            if info.node_status in ("error", "fail", "runtime error"):
                self.failed += 1
            detail = info.unique_id.split(".", 2)[-1] if info.unique_id else ""
            if self.failed:
                detail = f"{self.failed} failed · {detail}"
            self.progress.advance(detail=detail)

    def close(self) -> None:
        self.progress.close(f"{self.failed} failed" if self.failed else "done")


def release_duckdb() -> None:
    """Closes the DuckDB connection dbt-duckdb keeps open in this process after an invocation.

    Without this, the file stays open with dbt's settings and any later connection in the same
    process (a test reading results, GX) fails with "different configuration", and other processes
    are locked out of the file.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - adapter not installed
        return
    env = DuckDBConnectionManager._ENV
    if env is not None and hasattr(env, "close"):
        env.close()
    DuckDBConnectionManager.close_all_connections()


def describe_failure(args: list[str], res) -> str:
    lines = [f"dbt {' '.join(args)} failed"]
    if res.exception is not None:
        lines.append(f"  {type(res.exception).__name__}: {res.exception}")
    results = getattr(res.result, "results", None) or []
    for r in results:
        status = str(getattr(r, "status", ""))
        if status.lower() in ("error", "fail", "runtime error"):
            lines.append(f"  {status.upper()} {r.node.unique_id}: {(r.message or '').strip()[:2000]}")
    return "\n".join(lines)
