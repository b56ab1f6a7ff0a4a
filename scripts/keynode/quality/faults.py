"""Injected faults (a generator ``_manifest.json``) against the checks that must catch them: which
check must fail on which day, and the confusion table of a run (caught, missed, unexplained)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from keynode.quality.results import CheckResult

#: fault kind -> (suite, check) that must fail on the fault's day. Faults not listed here (conversion
#: drops, SKU surges, malformed rows, client retries) are business signals or are quarantined /
#: de-duplicated by staging: no critical quality check may fire for them.
FAULT_CHECKS: dict[str, tuple[str, str]] = {
    "late_day": ("events_daily", "late_share"),
    "missing_hour": ("events_hourly", "hours_below_floor"),
    "traffic_outage": ("events_hourly", "hours_below_floor"),
    "duplicate_file": ("events_landing", "duplicate_share"),
    "source_gap": ("marketing_exposure", "rows"),
}


def fault_day(fault: Mapping[str, Any]) -> dt.date | None:
    """The day a fault must be flagged on: its ``date``; for a duplicated file, the landing day of
    the copy (``events/dt=YYYY-MM-DD/part-....parquet``)."""
    if fault.get("fault") == "duplicate_file":
        part = next(p for p in str(fault["copy"]).split("/") if p.startswith("dt="))
        return dt.date.fromisoformat(part[3:])
    return dt.date.fromisoformat(fault["date"]) if fault.get("date") else None


def expected_failures(manifest: Mapping[str, Any]) -> dict[tuple[dt.date, str, str], list[str]]:
    """(day, suite, check) -> the injected faults that must make it fail."""
    out: dict[tuple[dt.date, str, str], list[str]] = {}
    for fault in manifest.get("faults") or []:
        target = FAULT_CHECKS.get(fault.get("fault"))
        day = fault_day(fault)
        if target and day:
            out.setdefault((day, *target), []).append(fault["fault"])
    return out


@dataclasses.dataclass
class FaultComparison:
    """Critical failures vs the faults a generator manifest injected (over the validated days)."""

    expected: dict[tuple[dt.date, str, str], list[str]]  # (day, suite, check) -> faults
    failed: set[tuple[dt.date, str, str]]  # every critical failure (day, suite, check)
    validated: dict[str, set[dt.date]]  # suite -> days validated

    @property
    def caught(self) -> set[tuple[dt.date, str, str]]:
        return set(self.expected) & self.failed

    @property
    def missed(self) -> set[tuple[dt.date, str, str]]:
        return {k for k in self.expected if k not in self.failed and k[0] in self.validated.get(k[1], ())}

    @property
    def unexplained(self) -> set[tuple[dt.date, str, str]]:
        return self.failed - set(self.expected)

    @property
    def ok(self) -> bool:
        return not self.missed and not self.unexplained

    def table(self) -> str:
        """The confusion table: one line per fault day x check, then every unexplained failure."""
        lines = ["fault confusion table (manifest fault -> check, on the fault's day):"]
        for key in sorted(self.expected):
            day, suite, check = key
            if day not in self.validated.get(suite, ()):
                verdict = "not validated (day outside the run)"
            else:
                verdict = "CAUGHT" if key in self.failed else "MISSED"
            lines.append(f"  {day}  {'+'.join(self.expected[key]):<16} {suite + '.' + check:<36} {verdict}")
        for day, suite, check in sorted(self.unexplained, key=str):
            lines.append(f"  {day}  {'(no fault)':<16} {suite + '.' + check:<36} UNEXPLAINED")
        days = set().union(*self.validated.values()) if self.validated else set()
        fault_days = {k[0] for k in self.expected}
        clean = days - fault_days
        flagged_clean = {k[0] for k in self.unexplained} & clean
        lines.append(
            f"  clean days validated: {len(clean)}, with a critical failure: {len(flagged_clean)}; "
            f"missed faults: {len(self.missed)}, unexplained failures: {len(self.unexplained)}"
        )
        return "\n".join(lines)


def compare_with_manifest(manifest: Mapping[str, Any], results: Sequence[CheckResult]) -> FaultComparison:
    failed = {(r.day, r.suite, r.label) for r in results if r.failed_critical and r.day is not None}
    validated: dict[str, set[dt.date]] = {}
    for r in results:
        if r.day is not None:
            validated.setdefault(r.suite, set()).add(r.day)
    return FaultComparison(expected=expected_failures(manifest), failed=failed, validated=validated)
