"""Read-only access to the published BI artefact.

Every query opens the file the artefact's symlink points to at that moment (the served version,
``versions/NNNNNN/keynode_bi.duckdb``), read-only, runs one statement from ``sql/<name>.sql`` and closes.
A publication replaces the symlink with one atomic rename and never writes into a served file, so a
page keeps reading while a build and a publication run; the next query after a publication reads the
new version. Results are keyed by the served file, so a cached answer never outlives its version.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

SQL_DIR = Path(__file__).with_name("sql")


class NotPublished(RuntimeError):
    """The artefact does not exist yet (nothing was published)."""


@cache
def sql_text(name: str) -> str:
    """The statement of ``sql/<name>.sql``."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def sql_names() -> list[str]:
    return sorted(p.stem for p in SQL_DIR.glob("*.sql"))


@dataclass(frozen=True)
class Artefact:
    """The published DuckDB file (a symlink to the served version)."""

    path: Path

    def served_file(self) -> Path:
        """The version file served right now (resolves the symlink once)."""
        if not self.path.exists():
            raise NotPublished(f"no BI publication at {self.path}: run `keynode run` (or `keynode publish`)")
        return Path(os.path.realpath(self.path))


def query(served_file: str | Path, name: str, params: dict | None = None) -> pd.DataFrame:
    """Runs ``sql/<name>.sql`` on one served version file, read-only, with named parameters."""
    con = duckdb.connect(str(served_file), read_only=True)
    try:
        return con.execute(sql_text(name), params or {}).df()
    finally:
        con.close()
