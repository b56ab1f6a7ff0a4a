"""The raw zone being written: one partitioned Parquet writer per entity (util.PartitionedWriter), and
the path every day's rows take to it, with today's malformed copies added (faults.FaultInjector)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
from keynode.generator.faults import FaultInjector
from keynode.generator.malformed import REASONS
from keynode.generator.util import PartitionedWriter
from keynode.raw_zone.schemas import ENTITIES, SCHEMAS


class RawOutput:
    """Writers of every raw entity under ``out`` (events in four ingestion batches a day)."""

    def __init__(self, out: Path, faults: FaultInjector):
        self.out = out
        self.faults = faults
        self.writers = {
            e: PartitionedWriter(out, e, SCHEMAS[e], part_hours=6 if e == "events" else None)
            for e in ENTITIES
        }

    @property
    def events(self) -> PartitionedWriter:
        return self.writers["events"]

    def write_catalog(self, tbl: pa.Table, ingested: np.ndarray, rng) -> None:
        """The ``sku_catalog`` snapshot with its malformed copies."""
        self.writers["sku_catalog"].write(*self.faults.with_malformed_catalog(tbl, ingested, rng), REASONS)

    def write(self, entity: str, tbl: pa.Table | None, ingested: np.ndarray | None, day: int, rng) -> None:
        """Write a day's rows of a non-event entity, adding today's malformed copies."""
        if tbl is None or tbl.num_rows == 0:
            return
        tbl = tbl.select(SCHEMAS[entity].names).cast(SCHEMAS[entity])
        self.writers[entity].write(*self.faults.with_malformed(entity, tbl, ingested, day, rng), REASONS)

    def write_parts(self, entity: str, parts: list[tuple[pa.Table, np.ndarray]], day: int, rng) -> None:
        """Write a day's rows collected as (table, ingested ms) parts, if any."""
        if parts:
            tbl = pa.concat_tables([p[0] for p in parts])
            self.write(entity, tbl, np.concatenate([p[1] for p in parts]), day, rng)

    def write_events(self, tbl: pa.Table, ingested: np.ndarray, reasons: np.ndarray | None = None) -> None:
        """Write events: delivered rows already in file order, or (with ``reasons``) malformed rows."""
        if reasons is None:
            self.events.write(tbl, ingested, presorted=True)
        else:
            self.events.write(tbl, ingested, reasons, REASONS)

    def finalize(self, through_day: int | None) -> None:
        """Close every file whose landing day is <= ``through_day`` (None: all, and wait for them)."""
        for w in self.writers.values():
            w.finalize(through_day)
