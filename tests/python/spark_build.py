"""Builds keynode on local Spark and dumps every table, in one process and one SparkSession.

Run by test_spark_parity.py with the Spark environment's Python (.venv-spark, requirements-spark.txt):

    .venv-spark/bin/python tests/python/spark_build.py --raw RAW --later LATER --state DIR --out DIR

1. the seeds and a full build (`dbt build --resource-type seed --resource-type model`, one command) of the
   incremental models and their parents on RAW (the raw zone as it was some days ago): the state a daily
   schedule leaves; the table models downstream would be rebuilt from scratch by the next run anyway;
2. the landing-date folders held back in LATER (LATER/<entity>/dt=...) moved into RAW, then a `dbt run`
   of every model: the incremental ones take their Spark incremental strategy, the rest build in full;
   with --full-only, one `dbt build` of the seeds and every model instead;
3. every table of the project's schemas (the raw-zone views excluded) written to OUT/<table>/ as Parquet
   (timestamps as TIMESTAMP_MICROS), with OUT/spark_types.json: {table: [[column, Spark type], ...]};
4. OUT/spark_timings.json: wall seconds of each dbt command; OUT/spark_failures.json: failed nodes.

dbt-spark's session method reuses the process's SparkSession, so the JVM starts once.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def dbt(args: list[str], target_path: Path, log_path: Path, dbt_vars: str) -> tuple[float, list[str]]:
    from dbt.cli.main import dbtRunner

    cmd = [
        "--quiet",
        *args,
        "--target",
        "spark",
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
        "--vars",
        dbt_vars,
    ]
    t = time.perf_counter()
    res = dbtRunner().invoke(cmd)
    elapsed = time.perf_counter() - t
    failed = []
    for r in getattr(res.result, "results", None) or []:
        status = str(r.status).split(".")[-1].lower()
        if status in ("error", "fail", "runtime error"):
            failed.append(f"{' '.join(args)}: {r.node.unique_id}: {(r.message or '').strip()[:2000]}")
    if res.exception is not None:
        failed.append(f"{' '.join(args)}: {res.exception!r}"[:2000])
    return elapsed, failed


def dump(out: Path) -> None:
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    types: dict[str, list[list[str]]] = {}
    for db in spark.catalog.listDatabases():
        if db.name == "default" or db.name.endswith("_raw"):
            continue
        for table in spark.catalog.listTables(db.name):
            if table.isTemporary:
                continue
            df = spark.table(f"`{db.name}`.`{table.name}`")
            types[table.name] = [[f.name, f.dataType.simpleString()] for f in df.schema.fields]
            df.write.mode("overwrite").parquet(str(out / table.name))
    (out / "spark_types.json").write_text(json.dumps(types, indent=1, sort_keys=True))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", type=Path, required=True, help="raw zone (KEYNODE_RAW_PATH)")
    ap.add_argument("--later", type=Path, required=True, help="landing days added before the incremental run")
    ap.add_argument("--state", type=Path, required=True, help="Spark state folder (KEYNODE_SPARK_DIR)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--vars", default="{}", help="dbt --vars (YAML/JSON), the same as the DuckDB build's")
    ap.add_argument("--full-only", action="store_true", help="no incremental run (LATER must be empty)")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "KEYNODE_SPARK_DIR": str(a.state),
            "KEYNODE_RAW_PATH": str(a.raw),
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
        }
    )
    target, logs = a.state / "target", a.state / "logs"
    timings: dict[str, float] = {}
    failures: list[str] = []
    seeds_and_models = ["build", "--resource-type", "seed", "--resource-type", "model"]
    if a.full_only:
        steps = [("seeds + full run", seeds_and_models)]
    else:
        steps = [
            (
                "seeds + full run of the incremental models and their parents",
                [*seeds_and_models, "--select", "resource_type:seed +config.materialized:incremental"],
            ),
            ("run (incremental)", ["run"]),
        ]
    for name, args in steps:
        if name == "run (incremental)":
            for folder in sorted(a.later.glob("*/dt=*")):
                folder.rename(a.raw / folder.parent.name / folder.name)
        timings[name], failed = dbt(args, target, logs, a.vars)
        failures += failed
        if failed:
            break
    if not failures:
        t = time.perf_counter()
        dump(a.out)
        timings["dump"] = time.perf_counter() - t
    (a.out / "spark_timings.json").write_text(json.dumps(timings, indent=1))
    (a.out / "spark_failures.json").write_text(json.dumps(failures, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
