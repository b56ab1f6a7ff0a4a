"""The raw-zone preflight: every file on disk accounted for, every file's schema checked, before dbt runs.

``keynode run`` calls :func:`check` before ``dbt build``; a problem stops the run with one line per problem,
each naming the file (and the column). What it checks (docs/raw_zone.md, "Preflight"):

- **layout**: every file under the raw zone is ``<entity>/dt=YYYY-MM-DD/<name>.parquet`` (lower-case
  extension, a real calendar date, no sub-folders), or ``_manifest.json``, or a hidden/marker file whose name
  starts with ``.`` or ``_`` and is not Parquet (``_SUCCESS``, ``.part-0.crc``). Anything else would be
  skipped by the reader while the accounting balanced without it, so it is an error naming the file.
  Every entity has at least one file (a dataset without data for an entity writes a schema-only file).
- **readable**: each file's Parquet footer reads; its row count comes from that footer, independently of the
  reader that stages the rows (``raw_rows`` of ``fct_raw_row_accounting``: the dbt var
  ``keynode__raw_row_counts``).
- **schema contract** (keynode.raw_zone.schemas): every contract column is present; its type is one the
  contract accepts (below); no two columns differ only in case and no column is named like a column the
  reader adds (``filename``, ``file_row_number``, ``dt``). Extra columns are allowed and ignored.

Accepted physical types per contract type: strings: string/large_string/dictionary of strings; integers:
any integer or floating type (a fractional or non-finite value is quarantined row by row, not rounded);
floats: any integer, floating or decimal type; timestamps: timestamps without a time zone or in UTC;
dates: date32/date64; booleans: bool. A column of Parquet type ``null`` (every value missing) fits any
contract type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from keynode.raw_zone.schemas import SCHEMAS

#: Columns the reader adds to every row (file name, row number, hive partition): a file may not have them.
READER_COLUMNS = ("filename", "file_row_number", "dt")
UTC_ZONES = {"UTC", "Etc/UTC", "+00:00", "Z", "GMT"}
DT_FOLDER = re.compile(r"dt=(.*)")


@dataclass(frozen=True)
class Problem:
    path: Path
    column: str | None
    what: str

    def line(self, root: Path) -> str:
        where = str(self.path.relative_to(root)) if self.path.is_relative_to(root) else str(self.path)
        column = f", column {self.column!r}" if self.column else ""
        return f"{where}{column}: {self.what}"


@dataclass
class RawFile:
    entity: str
    landed: date
    path: Path
    rows: int


@dataclass
class Inventory:
    root: Path
    files: list[RawFile] = field(default_factory=list)

    def rows_by_entity(self) -> dict[str, int]:
        counts = dict.fromkeys(SCHEMAS, 0)
        for f in self.files:
            counts[f.entity] += f.rows
        return counts


class PreflightFailed(ValueError):
    def __init__(self, root: Path, problems: list[Problem]):
        self.problems = problems
        lines = [p.line(root) for p in problems]
        shown = lines[:50] + ([f"... and {len(lines) - 50} more"] if len(lines) > 50 else [])
        super().__init__(
            f"raw zone {root}: {len(problems)} problem(s) with the raw files; nothing was built "
            "(docs/raw_zone.md):\n  - " + "\n  - ".join(shown)
        )


def type_problem(contract: pa.DataType, found: pa.DataType) -> str | None:
    """Why ``found`` does not fit the contract type ``contract`` (None when it does)."""
    if pa.types.is_null(found):
        return None
    if pa.types.is_dictionary(found):
        found = found.value_type
    t = pa.types
    if t.is_string(contract):
        ok = t.is_string(found) or t.is_large_string(found)
    elif t.is_integer(contract):
        ok = t.is_integer(found) or t.is_floating(found)
    elif t.is_floating(contract):
        ok = t.is_integer(found) or t.is_floating(found) or t.is_decimal(found)
    elif t.is_timestamp(contract):
        ok = t.is_timestamp(found) and (found.tz is None or found.tz in UTC_ZONES)
    elif t.is_date(contract):
        ok = t.is_date(found)
    elif t.is_boolean(contract):
        ok = t.is_boolean(found)
    else:  # pragma: no cover - every contract type is listed above
        ok = found == contract
    return None if ok else f"type {found} where the contract has {contract}"


def schema_problems(path: Path, entity: str, schema: pa.Schema) -> list[Problem]:
    problems = []
    names = list(schema.names)
    seen: dict[str, str] = {}
    for name in names:
        folded = name.lower()
        if folded in seen:
            clash = f"name clash: {seen[folded]!r} and {name!r} differ only in case"
            problems.append(Problem(path, name, clash))
        seen.setdefault(folded, name)
        if folded in READER_COLUMNS:
            clash = "name clash with a column the reader adds (filename, file_row_number, dt)"
            problems.append(Problem(path, name, clash))
    for contract_field in SCHEMAS[entity]:
        matches = [n for n in names if n == contract_field.name]
        if not matches:
            near = [n for n in names if n.lower() == contract_field.name.lower()]
            hint = f" (found {near[0]!r}: names are case-sensitive)" if near else ""
            problems.append(Problem(path, contract_field.name, f"required column missing{hint}"))
            continue
        found = schema.field(matches[0]).type
        why = type_problem(contract_field.type, found)
        if why:
            problems.append(Problem(path, contract_field.name, why))
    return problems


def parse_dt(name: str) -> date | None:
    m = DT_FOLDER.fullmatch(name)
    if not m or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", m.group(1)):
        return None
    try:
        return date.fromisoformat(m.group(1))
    except ValueError:
        return None


def is_marker(path: Path) -> bool:
    """Hidden or marker files (``.crc``, ``_SUCCESS``): not data, ignored by every reader."""
    return path.name.startswith((".", "_")) and not path.name.lower().endswith(".parquet")


def check(root: Path) -> Inventory:
    """The inventory of ``root``; raises PreflightFailed listing every problem (file, column, what)."""
    inventory = Inventory(root)
    problems: list[Problem] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(root).parts
        if rel == ("_manifest.json",) or is_marker(path):
            continue
        problem = layout_problem(rel)
        if problem:
            problems.append(Problem(path, None, problem))
            continue
        entity, landed = rel[0], parse_dt(rel[1])
        try:
            meta = pq.read_metadata(path)
            schema = meta.schema.to_arrow_schema()
        except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file, named
            problems.append(Problem(path, None, f"unreadable Parquet file ({type(exc).__name__}: {exc})"))
            continue
        problems += schema_problems(path, entity, schema)
        inventory.files.append(RawFile(entity, landed, path, meta.num_rows))
    present = {f.entity for f in inventory.files}
    for entity in SCHEMAS:
        if entity not in present and not any(p.path.relative_to(root).parts[0] == entity for p in problems):
            problems.append(
                Problem(
                    root / entity,
                    None,
                    "no Parquet file for this entity (write a schema-only file when a dataset has no rows "
                    "for it: keynode.raw_zone.writer.write_empty)",
                )
            )
    if problems:
        raise PreflightFailed(root, problems)
    return inventory


def layout_problem(rel: tuple[str, ...]) -> str | None:
    """Why a file at ``rel`` (parts relative to the raw zone) is outside the layout (None when inside)."""
    expected = "expected <entity>/dt=YYYY-MM-DD/<name>.parquet"
    if rel[0] not in SCHEMAS:
        return f"not in an entity folder ({', '.join(SCHEMAS)}); {expected}"
    if len(rel) == 2:
        return f"directly in the entity folder, without a dt=YYYY-MM-DD landing-date folder; {expected}"
    if parse_dt(rel[1]) is None:
        return f"{rel[1]!r} is not a landing-date folder dt=YYYY-MM-DD with a real date; {expected}"
    if len(rel) > 3:
        return f"in a sub-folder of the landing-date folder ({'/'.join(rel[2:-1])}); {expected}"
    if not rel[2].endswith(".parquet"):
        upper = " (the extension is lower-case .parquet)" if rel[2].lower().endswith(".parquet") else ""
        return f"not a .parquet file{upper}; {expected}"
    return None
