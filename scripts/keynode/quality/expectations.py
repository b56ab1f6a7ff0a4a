"""Expectation helpers: an expectation with a severity, keynode's metric rules on a one-row (one day)
profile batch with run-time parameters, SQL-query rules, and suites."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

# Through gx_context: it turns GX's telemetry off before great_expectations is imported.
from keynode.quality.gx_context import gx

if TYPE_CHECKING:
    from great_expectations.expectations.expectation import Expectation

SEVERITIES = ("critical", "warning")


def expectation(cls: type[Expectation], *, severity: str = "critical", **kwargs: Any) -> Expectation:
    """Build an expectation with a severity ('critical' fails the run, 'warning' is reported).

    The severity is stored both in ``meta["severity"]`` (what keynode reads) and in GX's own
    ``severity`` field (what Data Docs show)."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
    meta = {**kwargs.pop("meta", {}), "severity": severity}
    return cls(**kwargs, meta=meta, severity=severity)


def unexpected_rows(
    query: str, *, description: str, expected: str, severity: str = "critical"
) -> Expectation:
    """An ``UnexpectedRowsExpectation``: the batch passes when ``query`` (which must read the batch
    as ``{batch}``) returns no row. ``expected`` is the human threshold shown in results."""
    return expectation(
        gx.expectations.UnexpectedRowsExpectation,
        severity=severity,
        unexpected_rows_query=query,
        description=description,
        meta={"expected": expected},
    )


def build_suite(name: str, expectations: Sequence[Expectation], **meta: Any) -> Any:
    """An ExpectationSuite object (not yet stored; run_validations stores it)."""
    return gx.ExpectationSuite(name=name, expectations=list(expectations), meta=meta or None)


def param(name: str) -> dict[str, str]:
    """A run-time expectation parameter (GX suite parameter), filled per day by the checkpoint."""
    return {"$PARAMETER": name}


def metric(
    check: str,
    column: str,
    description: str,
    *,
    min_value: Any = None,
    max_value: Any = None,
    severity: str = "critical",
) -> Expectation:
    """Expectation on one metric column of a one-row (one day) profile batch: the observed value is
    the metric. Upper bound only -> ExpectColumnMaxToBeBetween, else ExpectColumnMinToBeBetween.
    ``check`` is keynode's stable name of the rule (``meta["check"]``)."""
    kwargs: dict[str, Any] = {}
    if min_value is not None:
        kwargs["min_value"] = min_value
    if max_value is not None:
        kwargs["max_value"] = max_value
    cls = gx.expectations.ExpectColumnMinToBeBetween
    if min_value is None:
        cls = gx.expectations.ExpectColumnMaxToBeBetween
    # The rule is written in `notes` (not `description`): Data Docs then render GX's own sentence with
    # the evaluated bounds ("maximum value must be less than 0.05") and show the rule beside it.
    return expectation(
        cls, column=column, severity=severity, notes=description, meta={"check": check}, **kwargs
    )


def zero(check: str, column: str, description: str, *, severity: str = "critical") -> Expectation:
    """Rule "``column`` is 0 on the day" (a count of offending rows or keys)."""
    return metric(check, column, description, max_value=0, severity=severity)
