"""Odd deliveries that an incremental build cannot see, and the full rebuild they need.

Incremental models reprocess the landing dates from ``newest landed date - keynode__lookback_days`` on
(docs/raw_zone.md, "Incremental runs"). Three deliveries fall outside that window, so ``keynode run``
rebuilds from scratch (``--full-refresh``) when it sees one, and says why; the result then equals a full
rebuild by construction:

- a new or changed file in a landing-date folder older than the window (a late file put in an old ``dt``);
- a landing-date folder dated after the newest one already built by more than the lookback while the
  landing dates in between are not all there yet (a ``dt`` in the future moves the window past the
  ordinary days still to come: they would be "old"); days that arrive together (a weekend delivered on
  Monday) need no rebuild;
- catalogue rows for SKUs whose events were quarantined as ``unknown_sku`` (a SKU catalogued after its
  first events: a rebuild stages those events).

The inventory of the files a build read is kept beside the warehouse (``<warehouse>.raw_inventory.json``)
and compared with the preflight's inventory of the next run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
from keynode.raw_zone.preflight import Inventory


@dataclass
class Decision:
    full_refresh: bool
    reasons: list[str]


def state_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".raw_inventory.json")


def snapshot(inventory: Inventory) -> dict:
    """What a build read: every file (path relative to the raw zone, size, mtime, rows, landing date) and
    the catalogue's SKU ids."""
    files = {}
    skus: set[str] = set()
    for f in inventory.files:
        stat = f.path.stat()
        rel = str(f.path.relative_to(inventory.root))
        files[rel] = {
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "rows": f.rows,
            "dt": f.landed.isoformat(),
        }
        if f.entity == "sku_catalog" and f.rows:
            skus |= {s for s in pq.read_table(f.path, columns=["sku_id"]).column("sku_id").to_pylist() if s}
    return {"files": files, "catalog_skus": sorted(skus)}


def save(warehouse: Path, inventory: Inventory) -> None:
    state_path(warehouse).write_text(json.dumps(snapshot(inventory), indent=1) + "\n", encoding="utf-8")


def load(warehouse: Path) -> dict | None:
    path = state_path(warehouse)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def missing_landing_dates(now: dict, built_until: date, window_start: date) -> list[date]:
    """The landing dates after ``built_until`` and before ``window_start`` (the next run's window start)
    with no file of any entity in ``now``: the days that, arriving later, would be older than the window."""
    present = {date.fromisoformat(f["dt"]) for f in now["files"].values()}
    days = (built_until + timedelta(days=i) for i in range(1, (window_start - built_until).days))
    return [d for d in days if d not in present]


def decide(
    inventory: Inventory, previous: dict | None, lookback_days: int, unknown_skus: set[str] | None = None
) -> Decision:
    """Whether this raw zone needs a full rebuild over the warehouse built from ``previous`` (None: no
    record of the last build: incremental models decide alone, as before). ``unknown_skus``: SKU ids of
    the rows the warehouse quarantined as unknown_sku."""
    if not previous or not previous.get("files"):
        return Decision(False, [])
    now = snapshot(inventory)
    before = previous["files"]
    built_until = max(date.fromisoformat(f["dt"]) for f in before.values())
    window_start = built_until - timedelta(days=lookback_days)
    reasons = []
    changed = [
        rel
        for rel, f in now["files"].items()
        if before.get(rel, {}).get("mtime_ns") != f["mtime_ns"]
        or before.get(rel, {}).get("size") != f["size"]
    ]
    old = [rel for rel in changed if date.fromisoformat(now["files"][rel]["dt"]) < window_start]
    if old:
        reasons.append(
            f"{len(old)} new or changed file(s) in landing dates before the incremental window "
            f"(from {window_start}): {', '.join(sorted(old)[:5])}"
        )
    gone = sorted(set(before) - set(now["files"]))
    if gone:
        reasons.append(f"{len(gone)} file(s) built before are gone: {', '.join(gone[:5])}")
    newest = max((date.fromisoformat(now["files"][rel]["dt"]) for rel in changed), default=built_until)
    missing = missing_landing_dates(now, built_until, newest - timedelta(days=lookback_days))
    if missing:
        reasons.append(
            f"a landing date {newest} far after the newest built ({built_until}): {len(missing)} landing "
            f"date(s) in between have not arrived (from {missing[0]}) and would fall before the incremental "
            "window when they do"
        )
    new_skus = set(now["catalog_skus"]) - set(previous.get("catalog_skus", []))
    late = sorted(new_skus & (unknown_skus or set()))
    if late:
        reasons.append(
            f"{len(late)} SKU(s) catalogued after their events were quarantined as unknown_sku: "
            f"{', '.join(late[:5])}"
        )
    return Decision(bool(reasons), reasons)
