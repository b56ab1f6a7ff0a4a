"""Writing a raw zone (docs/raw_zone.md) from loaders of real data: one place for the layout.

`<out>/<entity>/dt=YYYY-MM-DD/part-0000.parquet`, each entity with its contract schema
(keynode.raw_zone.schemas.SCHEMAS); entities a dataset has no rows for get a schema-only file so every dbt
source resolves.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from keynode.raw_zone.schemas import SCHEMAS


def prepare_out(out: Path, tool: str) -> None:
    """Empties ``out`` when it is a raw zone (or empty); refuses to clear anything else."""
    if out.exists() and any(out.iterdir()):
        known = set(SCHEMAS) | {"_manifest.json"}
        if not any((out / k).exists() for k in known):
            raise SystemExit(f"{tool}: {out} is not empty and not a raw zone; refusing to clear it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def write_partitioned(out: Path, entity: str, table: pd.DataFrame, dt: pd.Series) -> int:
    """Writes ``table`` as <out>/<entity>/dt=YYYY-MM-DD/part-0000.parquet, one file per landing date."""
    schema = SCHEMAS[entity]
    files = 0
    for day, part in table.groupby(dt, sort=True):
        folder = out / entity / f"dt={pd.Timestamp(day).date().isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        tbl = pa.Table.from_pandas(part[schema.names], schema=schema, preserve_index=False)
        pq.write_table(tbl, folder / "part-0000.parquet")
        files += 1
    return files


def write_empty(out: Path, entity: str, day: date) -> None:
    """A schema-only file, so the dbt source for an entity without data still resolves."""
    folder = out / entity / f"dt={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(SCHEMAS[entity].empty_table(), folder / "part-0000.parquet")


def fill_empty_entities(out: Path, files: dict[str, int], day: date) -> None:
    """A schema-only file (write_empty) for every entity not in ``files``, counted there as one file."""
    for entity in SCHEMAS:
        if entity not in files:
            write_empty(out, entity, day)
            files[entity] = 1


def write_manifest(out: Path, manifest: dict, started: float) -> dict:
    """Writes ``<out>/_manifest.json``; returns the manifest with the run time (``seconds``) added."""
    (out / "_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    manifest["seconds"] = round(time.perf_counter() - started, 1)
    return manifest
