"""Great Expectations (GX) support for keynode: a file-mode context, a DuckDB datasource that really
evaluates, suite/expectation helpers, checkpoint runs with compact results, and offline Data Docs.

Layout
------
* ``gx/great_expectations.yml`` (committed) is the project config. It holds no absolute path: the
  DuckDB file comes from ``${KEYNODE_DUCKDB_PATH}`` and every store / the Data Docs site from
  ``${KEYNODE_GX_OUTPUT_DIR}``, both passed by :func:`get_context` as GX *runtime environment*
  (which takes precedence over environment variables).
* Everything GX writes at run time - expectation suites (built from code here, so derived state),
  validation definitions, checkpoints, validation results, Data Docs - goes to
  ``$KEYNODE_OUTPUT_DIR/gx/`` (default ``<repo>/output/gx/``), outside git.
* The only run-time write inside ``gx/`` is ``great_expectations.yml`` itself when a datasource or an
  asset is added or changed (GX stores fluent datasources in that file). Assets are upserted from
  code and left untouched when unchanged, so the file only changes when the registered sources in
  code change - commit it then. Tests run against a temporary copy of ``gx/``.

The DuckDB fix
--------------
GX 1.24 + duckdb-engine evaluates nothing out of the box: ``SqlAlchemyExecutionEngine.get_connection``
opens a connection per query in a ``with`` block and the caller fetches the rows *after* the block
closed it; returning the connection to the pool rolls it back and DuckDB discards the pending
result. Every metric is then empty, every expectation fails with observed value ``None`` and an
``IndexError`` hidden in ``exception_info`` - nothing is raised (upstream GX issues #10738 and #11579).
GX already has the cure for SQLite, SQL Server, BigQuery and Databricks: dialects listed in the
module constant ``_PERSISTED_CONNECTION_DIALECTS`` get a ``StaticPool`` engine and one persistent
connection that ``get_connection`` yields and never closes. :func:`enable_duckdb_persistent_connection`
adds DuckDB to that tuple - nothing else is changed. See its docstring for why it is safe.
(Engine kwargs cannot do it: ``pool_reset_on_return=None`` was measured not to help, and a
``poolclass`` cannot be written into the YAML config.)
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keynode.paths import PROJECT_DIR

# No telemetry, ever (must be set before great_expectations is imported).
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import great_expectations as gx  # noqa: E402
import great_expectations.execution_engine.sqlalchemy_execution_engine as _gx_sql_engine  # noqa: E402

if TYPE_CHECKING:
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.data_context import FileDataContext
    from great_expectations.expectations.expectation import Expectation

log = logging.getLogger(__name__)

# GX 1.14+ calls a TableAsset's schema_name "deprecated" (in favour of a schema in the connection
# config, which DuckDB URLs cannot carry) and warns each time an asset is (re)validated. It still
# works and is the only way to reach a table outside the default schema "main"; silence just that.
warnings.filterwarnings("ignore", message="`schema_name` is deprecated", category=DeprecationWarning)

#: The GX version the DuckDB fix and the Data Docs asset map were verified against. Any other version
#: makes get_context() fail loudly: re-run tests/python/test_gx_support.py (which proves the fix is
#: still needed and sufficient, and that no CDN reference is left) before bumping this.
TESTED_GX_VERSION = "1.24.1"

REPO_ROOT = PROJECT_DIR
GX_ROOT = REPO_ROOT / "gx"
VENDOR_DIR = GX_ROOT / "vendor"
DATASOURCE_NAME = "keynode_duckdb"
CONNECTION_STRING = "duckdb:///${KEYNODE_DUCKDB_PATH}"
# GX only reads: open DuckDB read-only, so a validation can never modify the warehouse and several
# validators may read at once (DuckDB still refuses any writer - e.g. dbt - while one is open).
DATASOURCE_KWARGS: dict[str, Any] = {"connect_args": {"read_only": True}}
DATA_DOCS_SITE = "local_site"
SEVERITIES = ("critical", "warning")


# --------------------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------------------
def _repo_path(value: str | os.PathLike[str]) -> Path:
    """An absolute path; relative paths are taken relative to the repository root (as dbt does)."""
    path = Path(value).expanduser()
    return (path if path.is_absolute() else REPO_ROOT / path).resolve()


def output_root(output_dir: str | os.PathLike[str] | None = None) -> Path:
    """The project output folder: ``output_dir``, else ``$KEYNODE_OUTPUT_DIR``, else ``<repo>/output``."""
    return _repo_path(output_dir or os.environ.get("KEYNODE_OUTPUT_DIR") or "output")


def gx_output_dir(output_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where GX writes suites, results and Data Docs: ``<output root>/gx``."""
    return output_root(output_dir) / "gx"


def duckdb_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse file: ``path``, else ``$KEYNODE_DUCKDB_PATH``, else ``data/keynode.duckdb``."""
    return _repo_path(path or os.environ.get("KEYNODE_DUCKDB_PATH") or "data/keynode.duckdb")


# --------------------------------------------------------------------------------------------------
# The DuckDB persistent-connection fix
# --------------------------------------------------------------------------------------------------
class _PersistedDialect(str):
    """A dialect name usable as an entry of GX's ``_PERSISTED_CONNECTION_DIALECTS``.

    GX reads the entries two ways: ``dialect_name in _PERSISTED_CONNECTION_DIALECTS`` (string
    equality - a ``str`` subclass satisfies it) and ``connection_string.startswith(entry.value)``
    (the ``GXSqlDialect`` enum interface - hence ``value``). GXSqlDialect has no DuckDB member.
    """

    @property
    def value(self) -> str:
        return str(self)


_DUCKDB = _PersistedDialect("duckdb")


class GXVersionError(RuntimeError):
    """The installed GX is not the version the DuckDB fix was verified against."""


def _check_gx_internals() -> None:
    if gx.__version__ != TESTED_GX_VERSION:
        raise GXVersionError(
            f"great_expectations {gx.__version__} is installed but keynode's DuckDB fix "
            f"(keynode.quality.gx_context.enable_duckdb_persistent_connection) was verified with "
            f"{TESTED_GX_VERSION} only. Check whether the new version still drops DuckDB results "
            "(tests/python/test_gx_support.py::test_without_fix_metrics_are_empty), whether it still "
            "keeps persisted connections in _PERSISTED_CONNECTION_DIALECTS, and whether the Data Docs "
            "templates reference other CDN assets; then update TESTED_GX_VERSION."
        )
    dialects = getattr(_gx_sql_engine, "_PERSISTED_CONNECTION_DIALECTS", None)
    readers = (
        _gx_sql_engine._dialect_requires_persisted_connection,
        _gx_sql_engine.SqlAlchemyExecutionEngine.get_connection.__wrapped__,  # under @contextmanager
    )
    if not isinstance(dialects, tuple) or any(
        "_PERSISTED_CONNECTION_DIALECTS" not in fn.__code__.co_names for fn in readers
    ):
        raise GXVersionError(
            "great_expectations.execution_engine.sqlalchemy_execution_engine no longer reads a "
            "module-level _PERSISTED_CONNECTION_DIALECTS tuple; keynode's DuckDB fix needs rework."
        )


def enable_duckdb_persistent_connection() -> None:
    """Make GX keep ONE persistent connection for DuckDB, exactly as it does for SQLite.

    Adds ``"duckdb"`` to ``great_expectations.execution_engine.sqlalchemy_execution_engine.
    _PERSISTED_CONNECTION_DIALECTS``. For dialects in that tuple GX (a) builds the execution
    engine's SQLAlchemy engine with ``poolclass=StaticPool`` (one DBAPI connection) and (b) makes
    ``get_connection()`` yield one SQLAlchemy connection that is kept open instead of being closed
    (= rolled back) after each query - so the pending DuckDB result is still there when GX fetches it.

    Why this is safe for keynode:
      * it is GX's own, tested code path (used for SQLite, SQL Server, BigQuery, Databricks); only
        engines whose URL starts with ``duckdb`` are affected;
      * GX resolves metrics sequentially on one thread, so one connection serialises nothing that
        ran in parallel before;
      * the datasource is read-only and creates no temp tables (``create_temp_table`` is false), so
        the never-committed implicit transaction holds no writes and no locks beyond the read-only
        file lock; :func:`close_context` closes the connection and disposes the engines.
    Idempotent; fails loudly (GXVersionError) on any GX version other than TESTED_GX_VERSION.
    """
    _check_gx_internals()
    dialects = _gx_sql_engine._PERSISTED_CONNECTION_DIALECTS
    if any(d == "duckdb" for d in dialects):
        return
    _gx_sql_engine._PERSISTED_CONNECTION_DIALECTS = (*dialects, _DUCKDB)


def duckdb_persistent_connection_enabled() -> bool:
    return any(d == "duckdb" for d in _gx_sql_engine._PERSISTED_CONNECTION_DIALECTS)


@contextlib.contextmanager
def duckdb_persistent_connection_disabled() -> Iterator[None]:
    """Temporarily undo the fix (for the regression test that proves it is necessary)."""
    saved = _gx_sql_engine._PERSISTED_CONNECTION_DIALECTS
    _gx_sql_engine._PERSISTED_CONNECTION_DIALECTS = tuple(d for d in saved if d != "duckdb")
    try:
        yield
    finally:
        _gx_sql_engine._PERSISTED_CONNECTION_DIALECTS = saved


# --------------------------------------------------------------------------------------------------
# Context and datasource
# --------------------------------------------------------------------------------------------------
def get_context(
    *,
    duckdb_file: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    context_root_dir: str | os.PathLike[str] | None = None,
) -> FileDataContext:
    """A file-mode GX context rooted at ``gx/`` with the keynode DuckDB datasource.

    ``duckdb_file`` / ``output_dir`` default to ``$KEYNODE_DUCKDB_PATH`` / ``$KEYNODE_OUTPUT_DIR``
    (see :func:`duckdb_path`, :func:`output_root`); they reach the YAML's ``${...}`` placeholders as
    GX runtime environment, never written to the file. ``context_root_dir`` (default the repo's
    ``gx/``) lets tests use a copy.
    """
    enable_duckdb_persistent_connection()
    root = Path(context_root_dir) if context_root_dir else GX_ROOT
    if not (root / "great_expectations.yml").is_file():
        raise FileNotFoundError(f"{root}/great_expectations.yml is missing (it is committed in the repo)")
    out = gx_output_dir(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(
        mode="file",
        context_root_dir=str(root),
        runtime_environment={
            "KEYNODE_DUCKDB_PATH": str(duckdb_path(duckdb_file)),
            "KEYNODE_GX_OUTPUT_DIR": str(out),
        },
    )
    ensure_datasource(context)
    return context


def _template(value: Any) -> Any:
    """The un-substituted text of a GX ConfigStr (e.g. ``duckdb:///${KEYNODE_DUCKDB_PATH}``)."""
    return getattr(value, "template_str", value)


def ensure_datasource(context: FileDataContext) -> Any:
    """The keynode DuckDB SQL datasource; (re)written to the YAML only when its config differs."""
    try:
        datasource = context.data_sources.get(DATASOURCE_NAME)
    except (KeyError, ValueError, LookupError):
        datasource = None
    if (
        datasource is None
        or _template(datasource.connection_string) != CONNECTION_STRING
        or datasource.kwargs != DATASOURCE_KWARGS
    ):
        datasource = context.data_sources.add_or_update_sql(
            name=DATASOURCE_NAME, connection_string=CONNECTION_STRING, kwargs=DATASOURCE_KWARGS
        )
    return datasource


def close_context(context: FileDataContext) -> None:
    """Close every DuckDB connection the context holds, so another connection - e.g. a writer in
    this same process (DuckDB refuses a second configuration of an open file) - can open the file."""
    for datasource in context.data_sources.all().values():
        engine = getattr(datasource, "_execution_engine", None)
        if engine is not None:
            connection = getattr(engine, "_connection", None)
            if connection is not None:
                connection.close()
                engine._connection = None
            engine.engine.dispose()
            datasource._execution_engine = None
        sa_engine = getattr(datasource, "_engine", None)
        if sa_engine is not None:
            sa_engine.dispose()
            datasource._engine = None


# --------------------------------------------------------------------------------------------------
# Sources (assets + batch definitions), suites, expectations
# --------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Source:
    """What a suite validates: a table (``schema.table`` or ``table``) or a SQL query, optionally
    partitioned by day on ``day_column`` (a DATE or TIMESTAMP column of the table / query result)."""

    name: str
    table: str | None = None
    query: str | None = None
    day_column: str | None = None

    def __post_init__(self) -> None:
        if (self.table is None) == (self.query is None):
            raise ValueError(f"source {self.name!r}: give exactly one of table= or query=")
        if not re.fullmatch(r"[A-Za-z0-9_]+", self.name):
            raise ValueError(f"source name {self.name!r}: use letters, digits and _ only")

    @property
    def table_parts(self) -> tuple[str, str]:
        """(schema, table); DuckDB's default schema "main" is left implicit."""
        schema, _, table = (self.table or "").rpartition(".")
        return ("" if schema == "main" else schema), table

    @property
    def batch_definition_name(self) -> str:
        return f"daily_{self.day_column}" if self.day_column else "whole"


def ensure_source(context: FileDataContext, source: Source) -> BatchDefinition:
    """Upsert the asset and batch definition for ``source``; return the batch definition.

    Unchanged assets are reused as they are (no write to great_expectations.yml)."""
    datasource = ensure_datasource(context)
    asset = None
    if source.name in datasource.get_asset_names():
        asset = datasource.get_asset(source.name)
        if source.table is not None:
            schema, table = source.table_parts
            asset_schema = getattr(asset, "schema_name", None)  # a MISSING sentinel when unset
            same = (
                getattr(asset, "table_name", None) == table
                and (asset_schema if isinstance(asset_schema, str) else "") == schema
            )
        else:
            same = getattr(asset, "query", None) == source.query
        if not same:
            datasource.delete_asset(source.name)
            asset = None
    if asset is None:
        if source.table is not None:
            schema, table = source.table_parts
            asset = datasource.add_table_asset(
                name=source.name, table_name=table, **({"schema_name": schema} if schema else {})
            )
        else:
            asset = datasource.add_query_asset(name=source.name, query=source.query)
    name = source.batch_definition_name
    try:
        return asset.get_batch_definition(name)
    except KeyError:
        pass
    if source.day_column:
        return asset.add_batch_definition_daily(name=name, column=source.day_column)
    return asset.add_batch_definition_whole_table(name=name)


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


def share_below(condition: str, threshold: float, *, label: str, severity: str = "critical") -> Expectation:
    """Rule "share of rows where ``condition`` holds is below ``threshold``" (e.g. events ingested
    more than 15 minutes late < 5 %), as an UnexpectedRowsExpectation whose query returns one row,
    carrying the observed share, when the rule is broken. Observed value: ``{"unexpected_rows": 0|1}``
    (plus ``"rows": [{"share": ...}]`` with result_format="COMPLETE"). When the flag is a column of
    the source, ``ExpectColumnValuesToBeInSet(column=flag, value_set=[False], mostly=1 - threshold)``
    is the alternative that reports the share (unexpected_percent) on passing days too."""
    query = (
        f"select share from (select avg(case when {condition} then 1.0 else 0.0 end) as share "
        f"from {{batch}}) as s where share >= {threshold!r}"
    )
    return unexpected_rows(
        query,
        description=f"share of rows with {label} is below {threshold:.4g}",
        expected=f"share({label}) < {threshold:.4g}",
        severity=severity,
    )


def build_suite(name: str, expectations: Sequence[Expectation], **meta: Any) -> Any:
    """An ExpectationSuite object (not yet stored; run_validations stores it)."""
    return gx.ExpectationSuite(name=name, expectations=list(expectations), meta=meta or None)


# --------------------------------------------------------------------------------------------------
# Running validations and compact results
# --------------------------------------------------------------------------------------------------
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


def _no_batch_result(
    suite: Any, source: Source, day: dt.date | None, run_name: str, run_at: dt.datetime, message: str
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
                results.append(_no_batch_result(suite, source, day, run_name, run_at, str(exc)))
                continue
            for suite_result in outcome.run_results.values():
                results.extend(
                    compact_results(suite_result, source=source.name, day=day, run_id=run_name, run_at=run_at)
                )
    return results


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


# --------------------------------------------------------------------------------------------------
# Offline Data Docs
# --------------------------------------------------------------------------------------------------
#: Every CDN asset GX 1.24.1's Data Docs templates load (render/view/templates/{page,page_minimal,
#: index_page,js_script_imports,top_navbar}.j2 and static/styles/data_docs_default_styles.css),
#: mapped to the file of the exact same package version installed by `npm ci` in gx/vendor
#: (package.json pins them; the "@5"/"@6" Vega ranges resolve to the versions pinned there).
#: Values are (npm package directory under node_modules, file inside it).
CDN_ASSETS: dict[str, tuple[str, str]] = {
    "https://cdn.jsdelivr.net/npm/vega@5": ("vega", "build/vega.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-lite@5": ("vega-lite", "build/vega-lite.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-embed@6": ("vega-embed", "build/vega-embed.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "@fortawesome/fontawesome-free", "css/all.min.css"),
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js", "dist/umd/popper.min.js"),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap", "dist/js/bootstrap.min.js"),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap", "dist/css/bootstrap.min.css"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table", "dist/bootstrap-table.min.js"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table", "dist/bootstrap-table.min.css"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.min.js"),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table-1.19.0", "dist/extensions/filter-control/bootstrap-table-filter-control.css"),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.0",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker", "dist/js/bootstrap-datepicker.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker", "dist/css/bootstrap-datepicker.min.css"),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "@forevolve/bootstrap-dark", "dist/css/bootstrap-prefers-dark.css"),
}  # fmt: skip
#: Directories an asset loads relative to itself (Font Awesome's css/../webfonts/*).
CDN_ASSET_DIRS: dict[str, list[str]] = {"@fortawesome/fontawesome-free": ["webfonts"]}
#: GX's logos on S3 -> the copies GX itself ships in the site's static/images/ (no dark variant
#: exists locally; the dark-mode navbar logo falls back to the normal one).
GX_IMAGE_HOST = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
GX_IMAGES = {"logo-long.png": "logo-long.png", "full_logo_dark.png": "logo-long.png"}

_URL = re.compile(r"""https?://[^\s"'()<>]+""", re.IGNORECASE)
_TAG_WITH_URL = re.compile(r"""<(?:script|link|img)\b[^>]*>""", re.IGNORECASE)
_ANCHOR = re.compile(r"""<a\b([^>]*?)\shref=(["'])(https?://[^"']*)\2([^>]*)>""", re.IGNORECASE)


class DataDocsAssetError(RuntimeError):
    """A Data Docs page references a remote asset keynode has no local copy of."""


def ensure_vendor_assets(vendor_dir: Path = VENDOR_DIR) -> Path:
    """``node_modules`` of gx/vendor; runs ``npm ci`` (npm registry) when it is missing or was
    installed from another package-lock.json."""
    modules = vendor_dir / "node_modules"
    stamp = modules / ".keynode-lock-sha256"
    want = hashlib.sha256((vendor_dir / "package-lock.json").read_bytes()).hexdigest()
    if not stamp.is_file() or stamp.read_text().strip() != want:
        npm = shutil.which("npm")
        if not npm:
            raise DataDocsAssetError(f"npm not found: run `npm ci` in {vendor_dir} (Data Docs assets)")
        proc = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=vendor_dir, capture_output=True, text=True,
        )  # fmt: skip
        if proc.returncode != 0:
            raise DataDocsAssetError(f"npm ci failed in {vendor_dir}:\n{proc.stderr[-2000:]}")
        stamp.write_text(want + "\n")
    return modules


def _license_file(package_dir: Path) -> Path | None:
    for name in ("LICENSE", "LICENSE.txt", "LICENSE.md", "license", "LICENCE"):
        if (package_dir / name).is_file():
            return package_dir / name
    return None


def _vendor_into_site(site_dir: Path, modules: Path) -> dict[str, Path]:
    """Copy every mapped asset (+ source map, sibling dirs, license) to <site>/static/vendor/;
    return {cdn url: local file}."""
    target_root = site_dir / "static" / "vendor"
    copied: dict[str, Path] = {}
    for url, (package, rel) in CDN_ASSETS.items():
        source = modules / package / rel
        if not source.is_file():
            raise DataDocsAssetError(f"{source} missing: run `npm ci` in {modules.parent}")
        target = target_root / package / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        source_map = source.with_name(source.name + ".map")
        if source_map.is_file():
            shutil.copy2(source_map, target.with_name(source_map.name))
        for sibling in CDN_ASSET_DIRS.get(package, []):
            shutil.copytree(modules / package / sibling, target_root / package / sibling, dirs_exist_ok=True)
        license_file = _license_file(modules / package)
        if license_file:
            shutil.copy2(license_file, target_root / package / license_file.name)
        copied[url] = target
    return copied


def _sri_ok(tag: str, local: Path) -> None:
    match = re.search(r"""integrity=["']sha(256|384|512)-([^"']+)["']""", tag)
    if match:
        digest = hashlib.new(f"sha{match.group(1)}", local.read_bytes()).digest()
        if base64.b64encode(digest).decode() != match.group(2):
            raise DataDocsAssetError(f"{local} does not match the integrity hash GX pins in: {tag}")


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def localize_page(page: Path, site_dir: Path, assets: dict[str, Path]) -> int:
    """Rewrite one page so that it loads nothing over the network; return the number of changes.

    * CDN asset URLs -> relative paths into static/vendor/ (integrity verified against the local
      file, then integrity/crossorigin dropped: both would make a file:// page refuse the asset);
    * GX's S3 logos -> the site's own static/images/;
    * plain hyperlinks to the web (<a href="https://...">, e.g. "Powered by Great Expectations") keep
      their text but lose the href, so the page references no http(s) URL at all.
    Any other remote URL left is an error (DataDocsAssetError), so a GX upgrade cannot silently
    reintroduce a CDN dependency."""
    html = page.read_text(encoding="utf-8")
    changes = 0

    def tag_sub(match: re.Match[str]) -> str:
        nonlocal changes
        tag = match.group(0)
        for url in _URL.findall(tag):
            local = assets.get(url)
            if local is None:
                continue
            _sri_ok(tag, local)
            tag = tag.replace(url, _relative(local, page))
            tag = re.sub(r"""\s(?:integrity|crossorigin)=(["'])[^"']*\1""", "", tag)
            changes += 1
        return tag

    html = _TAG_WITH_URL.sub(tag_sub, html)

    def image_sub(match: re.Match[str]) -> str:
        nonlocal changes
        name = match.group(1)
        if name not in GX_IMAGES:
            return match.group(0)
        changes += 1
        return _relative(site_dir / "static" / "images" / GX_IMAGES[name], page)

    def static_sub(match: re.Match[str]) -> str:
        # GX computes "../" prefixes per page type and gets one wrong (validation pages point their
        # favicon one level short): re-anchor every relative static/ reference at the site root.
        nonlocal changes
        fixed = _relative(site_dir / "static" / match.group(3), page)
        changes += fixed != match.group(2)
        return f"{match.group(1)}{fixed}"

    html = re.sub(r"""((?:src|href)=["'])((?:\.\.?/)*static/([^"'?#]+))""", static_sub, html)

    html = re.sub(re.escape(GX_IMAGE_HOST) + r"""([\w.-]+)(?:\?[^"')\s]*)?""", image_sub, html)

    def anchor_sub(match: re.Match[str]) -> str:
        nonlocal changes
        changes += 1
        target = re.sub(r"^https?://", "", match.group(3).split("?")[0])
        return f'<a{match.group(1)} data-external-link="{target}"{match.group(4)}>'

    html = _ANCHOR.sub(anchor_sub, html)

    leftover = sorted(set(_URL.findall(html)))
    if leftover:
        raise DataDocsAssetError(f"{page}: remote references without a local copy: {leftover}")
    page.write_text(html, encoding="utf-8")
    return changes


def remote_references(site_dir: Path) -> dict[Path, list[str]]:
    """Every http(s) URL still present in the site's HTML pages (should be empty)."""
    found = {}
    for page in site_dir.rglob("*.html"):
        urls = _URL.findall(page.read_text(encoding="utf-8"))
        if urls:
            found[page] = sorted(set(urls))
    return found


def data_docs_dir(context: FileDataContext) -> Path:
    site = context.variables.config.data_docs_sites[DATA_DOCS_SITE]  # un-substituted template
    base = site["store_backend"]["base_directory"]
    return Path(context.config_provider.substitute_config(base)).resolve()


def build_data_docs(context: FileDataContext, *, vendor_dir: Path = VENDOR_DIR) -> Path:
    """Build the Data Docs site, make it work offline, and return the path of its index.html."""
    modules = ensure_vendor_assets(vendor_dir)
    context.build_data_docs(site_names=[DATA_DOCS_SITE])
    site_dir = data_docs_dir(context)
    assets = _vendor_into_site(site_dir, modules)
    for page in sorted(site_dir.rglob("*.html")):
        localize_page(page, site_dir, assets)
    return site_dir / "index.html"
