"""Low-level helpers for the keynode raw-data generator.

Everything here is vectorised: identifiers, ISO timestamps and categorical columns are built from
numpy integer arrays straight into Arrow buffers, so the generator never formats strings one row at a
time in Python.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from keynode.paths import SEED_DIR

MS_PER_SECOND = 1_000
MS_PER_MINUTE = 60_000
MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000


# --------------------------------------------------------------------------------------------------
# Random streams
# --------------------------------------------------------------------------------------------------
def rng_for(seed: int, *keys: int) -> np.random.Generator:
    """An independent, reproducible random stream for ``seed`` and a tuple of integer keys.

    Every part of the generator draws from its own stream (e.g. ``rng_for(seed, day, 3)``), so adding
    draws in one place never shifts the numbers another place sees.
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), *[int(k) for k in keys]]))


# --------------------------------------------------------------------------------------------------
# Seeds
# --------------------------------------------------------------------------------------------------
def read_seed(name: str, seed_dir: Path = SEED_DIR) -> list[dict[str, str]]:
    """Rows of ``seeds/<name>.csv`` as dictionaries (read at run time, never copied into code)."""
    with open(seed_dir / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------------------------------
# Vectorised string builders
# --------------------------------------------------------------------------------------------------
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_HEX2 = np.array([list(f"{i:02x}".encode()) for i in range(256)], dtype=np.uint8).view(np.uint16).ravel()


def _strings_from_matrix(mat: np.ndarray, valid: np.ndarray | None = None) -> pa.StringArray:
    """Turn an (n, w) uint8 matrix of ASCII bytes into an Arrow string array of width-w strings."""
    n, w = mat.shape
    offsets = (np.arange(n + 1, dtype=np.int64) * w).astype(np.int32 if n * w < 2**31 else np.int64)
    data = pa.py_buffer(np.ascontiguousarray(mat))  # zero-copy: the Arrow buffer keeps ``mat`` alive
    typ = pa.string() if offsets.dtype == np.int32 else pa.large_string()
    validity = None
    null_count = 0
    if valid is not None and not valid.all():
        validity = pa.py_buffer(np.packbits(valid.astype(np.uint8), bitorder="little").tobytes())
        null_count = int((~valid).sum())
    arr = pa.Array.from_buffers(typ, n, [validity, pa.py_buffer(offsets.tobytes()), data], null_count)
    return arr if typ == pa.string() else arr.cast(pa.string())


def fixed_ids(
    prefix: str, numbers: np.ndarray, width: int, valid: np.ndarray | None = None
) -> pa.StringArray:
    """``prefix`` + zero-padded decimal ``numbers`` (e.g. ``U00012345``); null where ``valid`` is False."""
    numbers = np.asarray(numbers, dtype=np.int64)
    n = len(numbers)
    p = np.frombuffer(prefix.encode(), dtype=np.uint8)
    mat = np.empty((n, len(p) + width), dtype=np.uint8)
    mat[:, : len(p)] = p
    _put_digits(mat, len(p), np.where(numbers < 0, 0, numbers), width)
    return _strings_from_matrix(mat, valid)


def uuid_like(rng_or_bytes, n: int | None = None) -> pa.StringArray:
    """Version-4-style UUID strings (36 characters) from a random generator (``n`` ids) or from an
    (n, 16) uint8 matrix of random bytes."""
    if isinstance(rng_or_bytes, np.ndarray):
        raw = rng_or_bytes.copy()
        n = len(raw)
    else:
        raw = np.frombuffer(rng_or_bytes.bytes(n * 16), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexes = _HEX2[raw].view(np.uint8).reshape(n, 32)  # two hex characters per byte in one lookup
    mat = np.full((n, 36), ord("-"), dtype=np.uint8)
    for dst, src, ln in ((0, 0, 8), (9, 8, 4), (14, 12, 4), (19, 16, 4), (24, 20, 12)):
        mat[:, dst : dst + ln] = hexes[:, src : src + ln]
    return _strings_from_matrix(mat)


def _put_digits(mat: np.ndarray, col: int, values: np.ndarray, width: int) -> None:
    """Write ``values`` zero-padded to ``width`` decimal digits into columns ``col..col+width`` of
    ``mat`` (digits computed column-major in int32 when they fit, then copied in one go)."""
    x = np.asarray(values)
    x = x.astype(np.int32) if x.size == 0 or int(x.max()) < 2**31 else x.astype(np.int64)
    digits = np.empty((width, len(x)), dtype=np.uint8)
    for i in range(width - 1, -1, -1):
        q = x // 10
        digits[i] = x - q * 10
        x = q
    digits += 48
    mat[:, col : col + width] = digits.T


def iso_ms(ms: np.ndarray) -> pa.StringArray:
    """Epoch milliseconds -> ISO 8601 UTC strings with milliseconds, e.g. ``2026-10-15T08:12:33.123Z``."""
    ms = np.asarray(ms, dtype=np.int64)
    n = len(ms)
    days = ms // MS_PER_DAY
    rem = ms - days * MS_PER_DAY
    d64 = days.astype("datetime64[D]")
    years = d64.astype("datetime64[Y]")
    months = d64.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    mo = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    dd = (d64 - months.astype("datetime64[D]")).astype(np.int64) + 1
    mat = np.empty((n, 24), dtype=np.uint8)
    _put_digits(mat, 0, y, 4)
    mat[:, 4] = ord("-")
    _put_digits(mat, 5, mo, 2)
    mat[:, 7] = ord("-")
    _put_digits(mat, 8, dd, 2)
    mat[:, 10] = ord("T")
    _put_digits(mat, 11, rem // MS_PER_HOUR, 2)
    mat[:, 13] = ord(":")
    _put_digits(mat, 14, (rem // MS_PER_MINUTE) % 60, 2)
    mat[:, 16] = ord(":")
    _put_digits(mat, 17, (rem // MS_PER_SECOND) % 60, 2)
    mat[:, 19] = ord(".")
    _put_digits(mat, 20, rem % MS_PER_SECOND, 3)
    mat[:, 23] = ord("Z")
    return _strings_from_matrix(mat)


def categorical(codes: np.ndarray, labels: list[str]) -> pa.StringArray:
    """Labels looked up by integer code; a negative code gives null."""
    codes = np.asarray(codes)
    valid = codes >= 0
    idx = pa.array(np.where(valid, codes, 0).astype(np.int32), mask=~valid if not valid.all() else None)
    return pa.DictionaryArray.from_arrays(idx, pa.array(labels, pa.string())).cast(pa.string())


def ts_ms(ms: np.ndarray, valid: np.ndarray | None = None) -> pa.TimestampArray:
    """Epoch milliseconds -> Arrow ``timestamp[ms]`` (null where ``valid`` is False)."""
    ms = np.asarray(ms, dtype=np.int64)
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(ms, type=pa.int64(), mask=mask).cast(pa.timestamp("ms"))


def date32(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Date32Array:
    """Days since the Unix epoch -> Arrow ``date32`` (null where ``valid`` is False)."""
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.int32(), mask=mask).cast(pa.date32())


def day_of(ms: np.ndarray) -> np.ndarray:
    """UTC day number (days since epoch) of epoch-millisecond timestamps."""
    return np.asarray(ms, dtype=np.int64) // MS_PER_DAY


def day_str(day: int) -> str:
    """Day number -> ``YYYY-MM-DD``."""
    return str(np.datetime64(int(day), "D"))


def grouped_rank(keys: np.ndarray) -> np.ndarray:
    """0-based position of each element within its run of equal, already-sorted ``keys``."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[True, keys[1:] != keys[:-1]]
    idx = np.arange(n)
    return idx - np.maximum.accumulate(np.where(starts, idx, 0))


class TableSampler:
    """Draws indices with probability proportional to ``weights`` through a lookup table of
    2**20 cells (one random integer and one gather per draw instead of a binary search). Each index
    gets ``round(p * 2**20)`` cells (at least one if its weight is positive)."""

    BITS = 20

    def __init__(self, weights: np.ndarray):
        w = np.asarray(weights, dtype=np.float64)
        size = 1 << self.BITS
        cells = np.floor(w / w.sum() * size).astype(np.int64) if w.sum() > 0 else np.zeros(len(w), np.int64)
        cells[(w > 0) & (cells == 0)] = 1
        short = size - cells.sum()
        if short != 0:  # give the rounding remainder to (or take it from) the heaviest index
            cells[int(np.argmax(w))] += short
        self.table = np.repeat(np.arange(len(w), dtype=np.int32), cells)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` indices."""
        return self.table[rng.integers(0, len(self.table), n)]


def sample_cdf(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """``n`` indices drawn with probability proportional to ``weights`` (inverse-CDF, vectorised)."""
    cdf = np.cumsum(weights, dtype=np.float64)
    if n == 0 or cdf[-1] <= 0:
        return np.zeros(n, dtype=np.int64)
    idx = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    return np.minimum(idx, len(weights) - 1)


# --------------------------------------------------------------------------------------------------
# Partitioned Parquet writer
# --------------------------------------------------------------------------------------------------
@dataclass
class FileStats:
    """What was written into one Parquet file: rows and rows per quarantine reason."""

    rows: int = 0
    reasons: Counter = field(default_factory=Counter)


class PartitionedWriter:
    """Writes one entity as ``<out>/<entity>/dt=YYYY-MM-DD/part-NNNN.parquet``.

    ``dt`` is the UTC date of ``ingested_at`` (the landing date). ``part_hours`` splits a landing day
    into ingestion batches (6 -> four parts per day); ``None`` writes one part per day. Files stay open
    until :meth:`finalize` is told no more rows can land on their day. Large slices become row groups
    right away; small ones (stragglers, small entities) are copied and buffered up to ``flush_rows``.
    Writing runs on one background thread (Parquet encoding releases the GIL, so it overlaps with
    generating the next chunk), with at most a few writes queued: memory stays bounded by a chunk,
    whatever the run size. Per-file row and reason counts are kept for the manifest.
    """

    def __init__(
        self,
        out: Path,
        entity: str,
        schema: pa.Schema,
        part_hours: int | None = None,
        compression: str = "zstd",
        flush_rows: int = 10_000,
        pool: ThreadPoolExecutor | None = None,
    ):
        self.out = out
        self.entity = entity
        self.schema = schema
        self.part_hours = part_hours
        self.compression = compression
        self.compression_level = 1 if compression == "zstd" else None
        self.flush_rows = flush_rows
        self.pool = pool or ThreadPoolExecutor(max_workers=1)
        self.pending: list = []
        self.buffers: dict[tuple[int, int], list[pa.Table]] = {}
        self.buffer_rows: dict[tuple[int, int], int] = {}
        self.opened: set[tuple[int, int]] = set()
        self.writers: dict[tuple[int, int], pq.ParquetWriter] = {}
        self.stats: dict[str, FileStats] = {}

    def rel_path(self, day: int, part: int) -> str:
        """Path of a part file relative to the raw-zone root."""
        return f"{self.entity}/dt={day_str(day)}/part-{part:04d}.parquet"

    def file_key(self, ingested_ms: np.ndarray) -> np.ndarray:
        """Sortable (landing day, part) key per row."""
        ingested_ms = np.asarray(ingested_ms, dtype=np.int64)
        day = day_of(ingested_ms)
        if self.part_hours is None:
            return day * 100
        return day * 100 + (ingested_ms - day * MS_PER_DAY) // (self.part_hours * MS_PER_HOUR)

    def write(
        self,
        table: pa.Table,
        ingested_ms: np.ndarray,
        reasons: np.ndarray | None = None,
        reason_labels: list[str] | None = None,
        presorted: bool = False,
    ) -> None:
        """Route rows to their landing-day files. ``reasons`` holds a quarantine-reason code per row
        (-1 = valid), used only for bookkeeping; it is not written. ``presorted`` says the rows are
        already ordered by :meth:`file_key` (no reordering copy needed)."""
        n = table.num_rows
        if n == 0:
            return
        if table.schema != self.schema:
            table = table.select(self.schema.names).cast(self.schema)
        key = self.file_key(ingested_ms)
        if not presorted and (key[1:] < key[:-1]).any():
            order = np.argsort(key, kind="stable")
            key = key[order]
            table = table.take(pa.array(order))
            if reasons is not None:
                reasons = reasons[order]
        bounds = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True])
        for a, b in zip(bounds[:-1], bounds[1:], strict=False):
            k = int(key[a])
            fk = (k // 100, k % 100)
            st = self.stats.setdefault(self.rel_path(*fk), FileStats())
            st.rows += int(b - a)
            if reasons is not None:
                r = reasons[a:b]
                r = r[r >= 0]
                if len(r):
                    for code, cnt in zip(*np.unique(r, return_counts=True), strict=True):
                        st.reasons[reason_labels[int(code)]] += int(cnt)
            self.opened.add(fk)
            if b - a >= self.flush_rows:  # big slice: its own row group, written right away
                self._flush(fk, close=False)
                self.pending.append(self.pool.submit(self._write_file, fk, [table.slice(a, b - a)], False))
                self._throttle()
                continue
            # Small slice: copy it (a zero-copy slice would keep the whole chunk alive) and buffer it.
            self.buffers.setdefault(fk, []).append(table.take(pa.array(np.arange(a, b))))
            self.buffer_rows[fk] = self.buffer_rows.get(fk, 0) + int(b - a)
            if self.buffer_rows[fk] >= self.flush_rows:
                self._flush(fk, close=False)

    def _flush(self, fk: tuple[int, int], close: bool) -> None:
        tables = self.buffers.pop(fk, [])
        self.buffer_rows.pop(fk, None)
        if tables or close:
            self.pending.append(self.pool.submit(self._write_file, fk, tables, close))
        self._throttle()

    def _throttle(self) -> None:
        while len(self.pending) > 4:  # bound the memory held by queued writes
            self.pending.pop(0).result()

    def _write_file(self, fk: tuple[int, int], tables: list[pa.Table], close: bool) -> None:
        """Background-thread body: append a row group to a file, close it when asked."""
        if tables:
            w = self.writers.get(fk)
            if w is None:
                path = self.out / self.rel_path(*fk)
                path.parent.mkdir(parents=True, exist_ok=True)
                w = pq.ParquetWriter(
                    path, self.schema, compression=self.compression, compression_level=self.compression_level
                )
                self.writers[fk] = w
            w.write_table(pa.concat_tables(tables).combine_chunks(), row_group_size=1_000_000)
        if close and fk in self.writers:
            self.writers.pop(fk).close()

    def finalize(self, through_day: int | None = None) -> None:
        """Write and close every file whose landing day is <= ``through_day``; with None, every file,
        and wait until all are on disk."""
        for fk in sorted(self.opened):
            if through_day is None or fk[0] <= through_day:
                self._flush(fk, close=True)
                self.opened.discard(fk)
        if through_day is None:
            for f in self.pending:
                f.result()
            self.pending.clear()

    def total_rows(self) -> int:
        """Rows written so far (including buffered rows)."""
        return sum(s.rows for s in self.stats.values())


def clear_output(out: Path) -> None:
    """Empty ``out`` for a new dataset, refusing to touch a folder that is not a keynode raw zone.

    A folder is cleared only if it is empty, holds a ``_manifest.json`` (a finished dataset) or a
    ``_generating`` marker (a run that crashed). The manifest is removed first, so a crash while
    clearing never leaves a manifest beside partial data.
    """
    if out.exists():
        if not out.is_dir():
            raise SystemExit(f"keynode generate: {out} exists and is not a directory")
        entries = list(out.iterdir())
        if entries and not ((out / "_manifest.json").exists() or (out / "_generating").exists()):
            raise SystemExit(
                f"keynode generate: refusing to clear {out}: it is not empty and has no _manifest.json "
                "(not a keynode raw zone). Choose another --out or empty it yourself."
            )
        (out / "_manifest.json").unlink(missing_ok=True)
        (out / "_generating").touch()
        for e in entries:
            if e.name in ("_generating", "_manifest.json"):
                continue
            if e.is_dir() and not e.is_symlink():
                shutil.rmtree(e)
            else:
                e.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / "_generating").touch()
