"""Compact results of Great Expectations validations: one :class:`CheckResult` per expectation and
batch (a day), with keynode's rule name, the observed number, the evaluated bounds and how a run-time
threshold was derived; and the text summary the checkpoint prints."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any


@dataclasses.dataclass
class CheckResult:
    """One expectation on one batch (one day, or the whole source)."""

    run_id: str
    run_at: dt.datetime
    suite: str
    source: str
    expectation: str
    column: str | None
    day: dt.date | None
    success: bool
    observed_value: Any
    expected: str
    severity: str
    description: str | None = None
    error: str | None = None
    #: keynode's stable name of the rule (expectation ``meta["check"]``), e.g. "late_share".
    check: str | None = None
    #: The observed value as one number when it is one (a metric, a row or unexpected-value count).
    observed_number: float | None = None
    #: The evaluated bounds (after run-time parameters were substituted), when numeric.
    threshold_min: float | None = None
    threshold_max: float | None = None
    #: How a run-time threshold was derived (e.g. "median 5012 of 10 weekday day(s) ...").
    basis: str | None = None
    #: The suite did not run (e.g. its table is not built yet); never fails the run.
    skipped: bool = False

    @property
    def failed_critical(self) -> bool:
        """A critical expectation failed, or any expectation could not be evaluated at all."""
        return not self.success and (self.severity == "critical" or self.error is not None)

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        if self.error is not None:
            return "error"
        return "passed" if self.success else "failed"

    @property
    def label(self) -> str:
        """The rule's name for humans: the keynode check name, else expectation(column)."""
        if self.check:
            return self.check
        return self.expectation + (f"({self.column})" if self.column else "")

    def observed_text(self) -> str:
        if isinstance(self.observed_value, float):
            return f"{self.observed_value:.6g}"
        return _short(self.observed_value)

    def as_row(self) -> dict[str, Any]:
        row = dataclasses.asdict(self)
        row["observed_value"] = json.dumps(self.observed_value, default=str)
        row["status"] = self.status
        return row


_NOT_EXPECTED_KEYS = {
    "batch_id", "column", "column_A", "column_B", "column_list", "result_format",
    "catch_exceptions", "include_config", "row_condition", "condition_parser",
    "unexpected_rows_query", "description", "notes",
}  # fmt: skip


def _short(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _observed(config: Any, result: dict[str, Any]) -> Any:
    if config.type == "unexpected_rows_expectation" and result.get("observed_value") is not None:
        observed: dict[str, Any] = {"unexpected_rows": result["observed_value"]}
        rows = (result.get("details") or {}).get("unexpected_rows")
        if rows:  # only with result_format="COMPLETE"
            observed["rows"] = rows
        return observed
    if result.get("observed_value") is not None:
        return result["observed_value"]
    if "unexpected_count" in result:  # column map expectations (not_null, in_set, between, ...)
        return {
            "unexpected_count": result.get("unexpected_count"),
            "unexpected_percent": result.get("unexpected_percent"),
            "element_count": result.get("element_count"),
        }
    return None


def _expected(config: Any, result: dict[str, Any]) -> str:
    if (config.meta or {}).get("expected"):
        return str(config.meta["expected"])
    if config.type == "unexpected_rows_expectation":
        return "no rows"
    kwargs = {k: v for k, v in config.kwargs.items() if k not in _NOT_EXPECTED_KEYS and v is not None}
    if not kwargs and "unexpected_count" in result:
        return "unexpected_count=0"
    return ", ".join(f"{k}={_short(v, 60)}" for k, v in kwargs.items())


def _column(config: Any) -> str | None:
    kwargs = config.kwargs
    if kwargs.get("column"):
        return kwargs["column"]
    if kwargs.get("column_A"):
        return f"{kwargs['column_A']},{kwargs.get('column_B')}"
    if kwargs.get("column_list"):
        return ",".join(kwargs["column_list"])
    return None


def _error(evr: Any) -> str | None:
    info = evr.exception_info or {}
    infos = [info] if "raised_exception" in info else list(info.values())
    messages = [
        i.get("exception_message") for i in infos if isinstance(i, dict) and i.get("raised_exception")
    ]
    return "; ".join(str(m) for m in messages) or None


def _notes(config: Any) -> str | None:
    notes = getattr(config, "notes", None)
    if isinstance(notes, list | tuple):
        notes = " ".join(str(n) for n in notes)
    return str(notes) if notes else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:  # Decimal, numpy scalars
        return float(value)
    except (TypeError, ValueError):
        return None


def _observed_number(observed: Any) -> float | None:
    """One number for the observed value: the metric itself, else the count of offending rows."""
    if isinstance(observed, dict):
        for key in ("unexpected_rows", "unexpected_count"):
            if key in observed:
                return _number(observed[key])
        return None
    return _number(observed)


def _thresholds(config: Any) -> tuple[float | None, float | None]:
    meta = config.meta or {}
    low = _number(meta.get("threshold_min", config.kwargs.get("min_value")))
    high = _number(meta.get("threshold_max", config.kwargs.get("max_value")))
    return low, high


def _range_text(config: Any, low: float | None, high: float | None) -> str | None:
    """The evaluated bounds as text, e.g. ``< 0.05``, ``>= 1``, ``>= 3200 and <= 9600`` (None if none)."""
    kwargs = config.kwargs

    def fmt(x: float) -> str:
        return f"{x:.6g}"

    lower = None if low is None else (">" if kwargs.get("strict_min") else ">=") + " " + fmt(low)
    upper = None if high is None else ("<" if kwargs.get("strict_max") else "<=") + " " + fmt(high)
    if lower and upper:
        return f"{lower} and {upper}"
    return lower or upper


def compact_results(
    suite_result: Any, *, source: str, day: dt.date | None, run_id: str, run_at: dt.datetime
) -> list[CheckResult]:
    """Flatten one ExpectationSuiteValidationResult into CheckResult rows.

    Expectations that carry ``meta["check"]`` (keynode's rule name) are reported under that name,
    with numeric thresholds taken from the *evaluated* kwargs - i.e. after GX substituted the run's
    expectation parameters - or from ``meta["threshold_min"/"threshold_max"]``."""
    rows = []
    for evr in suite_result.results:
        config = evr.expectation_config
        meta = config.meta or {}
        severity = meta.get("severity") or str(getattr(config, "severity", "critical") or "critical")
        severity = getattr(severity, "value", severity)
        error = _error(evr)
        observed = _observed(config, evr.result or {})
        low, high = _thresholds(config)
        expected = _expected(config, evr.result or {})
        if meta.get("check") and not meta.get("expected"):
            expected = _range_text(config, low, high) or expected
        rows.append(
            CheckResult(
                run_id=run_id,
                run_at=run_at,
                suite=suite_result.suite_name,
                source=source,
                expectation=config.type,
                column=_column(config),
                day=day,
                success=bool(evr.success) and error is None,
                observed_value=observed,
                expected=expected,
                severity=str(severity),
                description=config.description or _notes(config),
                error=error,
                check=meta.get("check"),
                observed_number=_observed_number(observed),
                threshold_min=low,
                threshold_max=high,
            )
        )
    return rows


def skipped_result(
    suite_name: str, source: str, run_name: str, run_at: dt.datetime, reason: str
) -> CheckResult:
    """A suite that did not run (e.g. "skipped: model not built"): reported, never a failure."""
    return CheckResult(
        run_id=run_name,
        run_at=run_at,
        suite=suite_name,
        source=source,
        expectation="suite_skipped",
        column=None,
        day=None,
        success=True,
        observed_value=None,
        expected="the suite's tables exist",
        severity="warning",
        description=reason,
        skipped=True,
    )


def no_batch_result(
    suite: Any, source: Any, day: dt.date | None, run_name: str, run_at: dt.datetime, message: str
) -> CheckResult:
    return CheckResult(
        run_id=run_name,
        run_at=run_at,
        suite=suite.name,
        source=source.name,
        expectation="batch_available",
        column=source.day_column,
        day=day,
        success=False,
        observed_value=None,
        expected="a batch with rows",
        severity="critical",
        description="the source has no rows for this day",
        error=message,
    )


def summarize(results: Sequence[CheckResult]) -> str:
    """A short text summary: counts, then one line per failed expectation (and per skipped suite)."""
    skipped = [r for r in results if r.skipped]
    results = [r for r in results if not r.skipped]
    failed = [r for r in results if not r.success]
    critical = [r for r in failed if r.severity == "critical"]
    lines = [
        f"{len(results)} expectation result(s): {len(results) - len(failed)} passed, "
        f"{len(critical)} critical failure(s), {len(failed) - len(critical)} warning(s)"
        + (f", {len(skipped)} suite(s) skipped" if skipped else "")
    ]
    lines += [f"  [SKIPPED] {r.suite}: {r.description}" for r in skipped]
    for r in sorted(failed, key=lambda r: (r.severity != "critical", r.suite, str(r.day))):
        where = f"{r.suite}/{r.source}" + (f" day {r.day}" if r.day else "")
        what = r.label
        if r.error:
            lines.append(f"  [{r.severity.upper()}] {where}: {what} ERROR {_short(r.error)}")
        else:
            lines.append(
                f"  [{r.severity.upper()}] {where}: {what} observed {r.observed_text()} expected {r.expected}"
            )
    return "\n".join(lines)
