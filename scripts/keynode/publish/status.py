"""What a publication says about itself: the status tables inside the artefact and the JSON beside it.

Inside every artefact (schema ``main``):

- ``published_status`` (view, one row): ``published_status_record`` plus ``hours_since_published``,
  computed when it is read (so it tells how stale the served data is);
- ``published_status_record``: the version and revision served, its build id and publication time,
  the data range, whether the checks passed, and what happened to the newest build
  (``newest_build_status`` = published / held_back, with ``held_back_reasons``; ``serving_reason`` =
  published / held_back / rolled_back);
- ``published_tables``: per published table its row count, content checksums (md5 over the sorted md5s
  of its rows: ``content_checksum`` of every column, ``exact_columns_checksum`` of all but the
  floating-point ones, see keynode.publish.writer.checksum_rows), Parquet file, pseudonymised columns
  and date range; ``published_checks``: the audit gates the build passed.

Beside it, ``published_status.json`` holds the same facts plus the list of kept versions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from keynode.publish.layout import BiLayout, version_name, write_json_atomic

#: published_status_record: column -> DuckDB type, in table order.
STATUS_COLUMNS = {
    "version": "integer", "revision": "integer", "build_id": "varchar", "published_at": "timestamp",
    "data_from": "date", "data_through": "date", "checks_passed": "boolean", "checks_summary": "varchar",
    "tables": "integer", "total_rows": "bigint", "serving_reason": "varchar",
    "newest_build_id": "varchar", "newest_build_at": "timestamp", "newest_build_status": "varchar",
    "held_back_reasons": "varchar", "rolled_back_from": "integer", "status_at": "timestamp",
    "pseudonym_key": "varchar", "storage_version": "varchar", "written_by": "varchar",
}  # fmt: skip
TABLE_COLUMNS = {
    "table_schema": "varchar", "table_name": "varchar", "row_count": "bigint", "column_count": "integer",
    "content_checksum": "varchar", "exact_columns_checksum": "varchar", "parquet_file": "varchar",
    "pseudonymised_columns": "varchar",
    "date_column": "varchar", "date_from": "date", "date_through": "date",
}  # fmt: skip
CHECK_COLUMNS = {"gate": "varchar", "subject": "varchar", "passed": "boolean", "detail": "varchar"}
STATUS_VIEW = (
    "create or replace view published_status as select *, "
    "round((epoch(current_timestamp) - epoch(published_at)) / 3600.0, 2) as hours_since_published "
    "from published_status_record"
)


def create_table(con, name: str, columns: dict[str, str], rows: list[dict[str, Any]]) -> None:
    """Creates ``name`` in the connection's current database and inserts ``rows`` (parameters)."""
    con.execute(f"create or replace table {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    if rows:
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"insert into {name} values ({marks})", [[r.get(c) for c in columns] for r in rows])


def write_status_tables(con, record: dict[str, Any], tables: list[dict], checks: list[dict]) -> None:
    create_table(con, "published_status_record", STATUS_COLUMNS, [record])
    create_table(con, "published_tables", TABLE_COLUMNS, tables)
    create_table(con, "published_checks", CHECK_COLUMNS, checks)
    con.execute(STATUS_VIEW)


def read_record(con) -> dict[str, Any]:
    cursor = con.execute("select * from published_status_record")
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def read_served_record(layout: BiLayout) -> dict[str, Any] | None:
    """The status record of the served artefact (opened read-only, like a BI tool), or None."""
    import duckdb

    served = layout.served()
    if served is None:
        return None
    con = duckdb.connect(str(layout.revision_file(*served)), read_only=True)
    try:
        return read_record(con)
    finally:
        con.close()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat() + ("" if value.tzinfo else "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def version_summaries(layout: BiLayout) -> list[dict[str, Any]]:
    summaries = []
    for version in layout.versions():
        manifest = layout.load_manifest(version)
        summaries.append(
            {
                "version": version,
                "published_at": manifest.get("published_at"),
                "build_id": manifest.get("build_id"),
                "data_from": manifest.get("data_from"),
                "data_through": manifest.get("data_through"),
                "total_rows": sum(t["rows"] for t in manifest.get("tables", {}).values()),
                "checks_passed": manifest.get("checks_passed"),
            }
        )
    return summaries


def write_status_json(layout: BiLayout, newest_build: dict[str, Any] | None = None) -> dict[str, Any]:
    """Rewrites published_status.json from the served artefact's own record (the source of truth).
    ``newest_build``: when nothing is served yet, what happened to the newest build."""
    record = read_served_record(layout)
    served = layout.served()
    data: dict[str, Any] = {"artefact": str(layout.artefact), "serving": None}
    if record is not None and served is not None:
        version, revision = served
        data["serving"] = {
            **{k: _jsonable(v) for k, v in record.items()},
            "file": str(layout.revision_file(version, revision).relative_to(layout.root)),
            "parquet_dir": f"versions/{version_name(version)}/parquet",
        }
        newest_build = {
            "build_id": record["newest_build_id"],
            "at": _jsonable(record["newest_build_at"]),
            "status": record["newest_build_status"],
            "held_back_reasons": record["held_back_reasons"],
        }
    data["newest_build"] = newest_build
    data["status_at"] = _jsonable(dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0))
    data["versions"] = version_summaries(layout)
    write_json_atomic(layout.status_json, data)
    return data
