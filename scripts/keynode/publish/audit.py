"""The audit between write and publish: gates a build must pass before BI sees it (circuit breaker).

Gates (each a :class:`Gate`: name, subject, passed, detail):

- ``dbt build``: the last ``dbt build`` (dbt's run_results.json) built every node, and every test of
  severity error passed (a failing ``severity: warn`` test reports ``warn`` and does not stop publication);
- ``critical expectations``: the Great Expectations checkpoint found no unexplained critical failure
  (given by the caller, keynode run, which ran the checkpoint);
- ``quarantine share`` and ``volume`` per source, the verdict ``fct_raw_row_accounting`` computed (the
  input circuit breaker): quarantined / raw rows at most ``keynode__input_max_quarantine_share``, valid
  rows at least ``keynode__input_min_valid_rows`` and at least ``keynode__publish_min_volume_ratio`` x the
  valid rows of the publication BI is served now (a raw zone only grows: a drop means a source broke).

The verdict is saved beside the warehouse (``<warehouse>.audit.json``) with the warehouse's size and
modification time, so ``keynode publish`` publishes exactly an audited build.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from keynode.project import dbt_var

FAILED_STATUSES = {"error", "fail", "runtime error", "skipped"}


@dataclass
class Gate:
    name: str  # "dbt build", "critical expectations", "quarantine share", "volume"
    subject: str  # what it judged: "dbt", "checkpoint", an entity
    passed: bool
    detail: str

    def line(self) -> str:
        return f"[{'ok' if self.passed else 'FAILED'}] {self.name} ({self.subject}): {self.detail}"


def new_build_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def dbt_gate(run_results: dict[str, Any] | None, failure: str | None = None) -> Gate:
    """The dbt gate from dbt's run_results.json (``failure``: the message when dbt itself failed)."""
    if run_results is None:
        return Gate("dbt build", "dbt", False, failure or "no run_results.json: dbt build did not run")
    which = (run_results.get("args") or {}).get("which")
    results = run_results.get("results") or []
    bad = [r for r in results if str(r.get("status", "")).lower() in FAILED_STATUSES]
    if which != "build":
        return Gate(
            "dbt build", "dbt", False, f"the last dbt command was {which!r}, not build. {failure or ''}"
        )
    counts: dict[str, int] = {}
    for r in results:
        counts[str(r.get("status"))] = counts.get(str(r.get("status")), 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    if not bad:
        if failure is None:
            return Gate("dbt build", "dbt", True, f"{len(results)} nodes: {summary}")
        return Gate("dbt build", "dbt", False, failure[:2000])
    named = "; ".join(
        f"{r['status']} {r['unique_id']}: {(r.get('message') or '').strip()[:300]}" for r in bad[:10]
    )
    more = f" (+{len(bad) - 10} more)" if len(bad) > 10 else ""
    return Gate("dbt build", "dbt", False, f"{len(bad)} of {len(results)} nodes failed: {named}{more}")


def load_run_results(target: Path) -> dict[str, Any] | None:
    path = target / "run_results.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _threshold(name: str, entity: str) -> float:
    """A per-entity bound from a dbt var that is a number or a mapping with a ``default``."""
    value = dbt_var(name)
    if isinstance(value, dict):
        value = value.get(entity, value.get("default"))
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"dbt var {name} must be a number or a mapping of numbers, got {value!r}") from exc


def input_gates(accounting: list[dict[str, Any]], served: dict[str, dict[str, Any]] | None) -> list[Gate]:
    """The input circuit breaker: the verdict fct_raw_row_accounting computed per source with the build's
    own vars (quarantine_share against max_quarantine_share, valid_rows against min_valid_rows,
    input_breach), plus the volume against the publication BI is served now (``served``; None: none yet),
    which only publishing knows."""
    gates = []
    if not accounting:
        return [Gate("volume", "all sources", False, "fct_raw_row_accounting is empty")]
    ratio = _threshold("keynode__publish_min_volume_ratio", "default")
    for row in accounting:
        entity = row["entity"]
        raw, valid, quarantined = int(row["raw_rows"]), int(row["valid_rows"]), int(row["quarantined_rows"])
        limit, share = float(row["max_quarantine_share"]), float(row["quarantine_share"])
        reason = f", mostly {row['top_quarantine_reason']}" if row.get("top_quarantine_reason") else ""
        gates.append(
            Gate(
                "quarantine share",
                entity,
                share <= limit,
                f"{quarantined:,} of {raw:,} landed rows quarantined ({share:.1%}; limit {limit:.1%})"
                + reason,
            )
        )
        minimum = float(row["min_valid_rows"])
        before = (served or {}).get(entity, {}).get("valid_rows")
        floor = max(minimum, ratio * before) if before is not None else minimum
        versus = f"; served publication {before:,}, limit {ratio:.0%} of it" if before is not None else ""
        gates.append(
            Gate("volume", entity, valid >= floor, f"{valid:,} valid rows (minimum {floor:,.0f}{versus})")
        )
    return gates


def warehouse_fingerprint(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "wal": Path(f"{path}.wal").exists()}


@dataclass
class AuditRecord:
    build_id: str
    started_at: str
    audited_at: str
    warehouse: str
    raw: str
    gates: list[Gate] = field(default_factory=list)
    warehouse_fingerprint: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.gates) and all(g.passed for g in self.gates)

    @property
    def failed_gates(self) -> list[Gate]:
        return [g for g in self.gates if not g.passed]

    def reasons(self) -> str:
        return "; ".join(f"{g.name} ({g.subject}): {g.detail}" for g in self.failed_gates)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditRecord:
        gates = [Gate(**g) for g in data.get("gates", [])]
        keys = ("build_id", "started_at", "audited_at", "warehouse", "raw", "warehouse_fingerprint")
        return cls(**{k: data[k] for k in keys if k in data}, gates=gates)


def audit_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".audit.json")


def save(record: AuditRecord) -> Path:
    from keynode.publish.layout import write_json_atomic

    warehouse = Path(record.warehouse)
    if warehouse.is_file():
        record.warehouse_fingerprint = warehouse_fingerprint(warehouse)
    path = audit_path(warehouse)
    write_json_atomic(path, record.as_dict())
    return path


def load(warehouse: Path) -> AuditRecord | None:
    path = audit_path(warehouse)
    if not path.is_file():
        return None
    return AuditRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))


def changed_since_audit(record: AuditRecord) -> str | None:
    """Why the warehouse is no longer the audited build (None when it still is)."""
    path = Path(record.warehouse)
    if not path.is_file():
        return f"warehouse {path} is missing"
    now = warehouse_fingerprint(path)
    if now != record.warehouse_fingerprint:
        return f"warehouse {path} changed after its audit of build {record.build_id} (run keynode run)"
    return None


def read_accounting(warehouse: Path) -> list[dict[str, Any]]:
    """fct_raw_row_accounting of the working warehouse (read-only)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(
            "select entity, raw_rows, valid_rows, quarantined_rows, quarantine_share, max_quarantine_share, "
            "min_valid_rows, top_quarantine_reason from fct_raw_row_accounting order by entity"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def served_inputs(layout) -> dict[str, dict[str, Any]] | None:
    """The raw-row accounting of the publication BI is served now (from its manifest), or None."""
    served = layout.served()
    if served is None or not layout.manifest_path(served[0]).is_file():
        return None
    return layout.load_manifest(served[0]).get("inputs")
