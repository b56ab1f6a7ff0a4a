"""The benchmark's dbt child process: ``python -m keynode.bench.child <duckdb> <raw> <target>
<timings.json> <cmd>[,<cmd>...]`` runs dbt commands in-process (as ``keynode run`` does) and writes the
seconds of each to timings.json; the parent measures its wall time and peak memory."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def dbt_child(argv: list[str]) -> int:
    from keynode.dbt import DbtFailed, Warehouse, run_dbt

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


if __name__ == "__main__":
    raise SystemExit(dbt_child(sys.argv[1:]))
