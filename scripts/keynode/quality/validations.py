"""Running Great Expectations validations: one checkpoint per (suite, source), one run per day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from keynode.quality.gx_context import Source, ensure_source, gx
from keynode.quality.results import CheckResult, compact_results, no_batch_result

if TYPE_CHECKING:
    from great_expectations.data_context import FileDataContext


def _day_parameters(day: dt.date) -> dict[str, int]:
    return {"year": day.year, "month": day.month, "day": day.day}


def available_days(context: FileDataContext, source: Source) -> list[dt.date]:
    """The days present in a day-partitioned source (one DISTINCT query), ascending."""
    if not source.day_column:
        raise ValueError(f"source {source.name!r} has no day_column")
    batch_definition = ensure_source(context, source)
    identifiers = batch_definition.data_asset.get_batch_identifiers_list(
        batch_definition.build_batch_request()
    )
    days = {dt.date(i["year"], i["month"], i["day"]) for i in identifiers if i.get("year")}
    return sorted(days)


def run_validations(
    context: FileDataContext,
    validations: Sequence[tuple[Any, Source]],
    *,
    days: Sequence[dt.date] | None = None,
    run_name: str | None = None,
    result_format: str | dict[str, Any] = "SUMMARY",
    expectation_parameters: Mapping[dt.date | None, Mapping[str, Any]] | None = None,
) -> list[CheckResult]:
    """Validate each (suite, source) pair with its own GX checkpoint; return compact results.

    Day-partitioned sources are validated once per day in ``days`` (required for them; a day without
    rows yields a failed critical ``batch_available`` result); other sources once, whole. Suites,
    validation definitions, checkpoints and validation results are stored in the output folder.
    ``result_format`` "SUMMARY" keeps results small on big tables ("COMPLETE" also returns every
    unexpected value, and the rows an UnexpectedRowsExpectation query returned).
    ``expectation_parameters[day]`` (``None`` for a whole-source batch) are the run-time values of
    the suite's ``{"$PARAMETER": name}`` kwargs for that batch - GX substitutes them at validation
    time and records the evaluated values in the result."""
    from great_expectations.exceptions.exceptions import NoAvailableBatchesError

    run_at = dt.datetime.now(dt.UTC)  # GX files results under run name + run time: keep the µs
    run_name = run_name or f"keynode_{run_at:%Y%m%dT%H%M%S%fZ}"
    run_id = gx.RunIdentifier(run_name=run_name, run_time=run_at)
    results: list[CheckResult] = []
    for suite, source in validations:
        if source.day_column and not days:
            raise ValueError(
                f"source {source.name!r} is day-partitioned: pass days=[...] (see available_days)"
            )
        stored_suite = context.suites.add_or_update(suite)
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(
                name=f"{suite.name}__{source.name}", data=ensure_source(context, source), suite=stored_suite
            )
        )
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=f"{suite.name}__{source.name}",
                validation_definitions=[definition],
                actions=[],
                result_format=result_format,
            )
        )
        for day in list(days or []) if source.day_column else [None]:
            try:
                outcome = checkpoint.run(
                    batch_parameters=_day_parameters(day) if day else None,
                    expectation_parameters=dict((expectation_parameters or {}).get(day) or {}) or None,
                    run_id=run_id,
                )
            except NoAvailableBatchesError as exc:
                results.append(no_batch_result(suite, source, day, run_name, run_at, str(exc)))
                continue
            for suite_result in outcome.run_results.values():
                results.extend(
                    compact_results(suite_result, source=source.name, day=day, run_id=run_name, run_at=run_at)
                )
    return results
