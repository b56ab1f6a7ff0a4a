"""Great Expectations (GX) context for keynode: a file-mode context and a DuckDB datasource that really
evaluates, and the sources (assets + daily batch definitions) suites validate.

The rest of the GX support: keynode.quality.expectations (expectation and suite helpers),
keynode.quality.validations (checkpoint runs), keynode.quality.results (compact results and
summaries), keynode.quality.data_docs (the offline Data Docs site).

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

import contextlib
import dataclasses
import logging
import os
import re
import warnings
from collections.abc import Iterator
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
DATASOURCE_NAME = "keynode_duckdb"
CONNECTION_STRING = "duckdb:///${KEYNODE_DUCKDB_PATH}"
# GX only reads: open DuckDB read-only, so a validation can never modify the warehouse and several
# validators may read at once (DuckDB still refuses any writer - e.g. dbt - while one is open).
DATASOURCE_KWARGS: dict[str, Any] = {"connect_args": {"read_only": True}}


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
# Sources (assets + batch definitions)
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
