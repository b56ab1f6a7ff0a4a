"""Where keynode's files are: the project root and the default locations of what a run writes.

Every module asks here instead of counting ``parents[...]`` of its own file, so moving a module never
moves the project.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The dbt project (the repository root: dbt_project.yml, models/, seeds/, ...).
PROJECT_DIR = Path(__file__).resolve().parents[2]
#: The seeds folder (lookups the generator and the checks read too).
SEED_DIR = PROJECT_DIR / "seeds"
#: Real datasets shipped beside the repository (../shared/datasets), read by the loaders' defaults.
SHARED_DATASETS_DIR = PROJECT_DIR.parent / "shared" / "datasets"


def project_path(value: str | os.PathLike[str]) -> Path:
    """``value`` as an absolute path; a relative path is taken relative to the project root."""
    path = Path(value)
    return path if path.is_absolute() else PROJECT_DIR / path


def default_raw_path() -> Path:
    """The raw zone: $KEYNODE_RAW_PATH or data/raw."""
    return project_path(os.environ.get("KEYNODE_RAW_PATH", "data/raw"))


def default_duckdb_path() -> Path:
    """The working warehouse: $KEYNODE_DUCKDB_PATH or data/keynode.duckdb."""
    return project_path(os.environ.get("KEYNODE_DUCKDB_PATH", "data/keynode.duckdb"))


def default_bi_path(warehouse: Path | None = None) -> Path:
    """The published BI artefact (keynode.publish): $KEYNODE_BI_PATH, else ``bi/keynode_bi.duckdb`` beside
    the warehouse (data/bi/keynode_bi.duckdb for the default warehouse)."""
    if os.environ.get("KEYNODE_BI_PATH"):
        return project_path(os.environ["KEYNODE_BI_PATH"])
    return (warehouse or default_duckdb_path()).parent / "bi" / "keynode_bi.duckdb"


def default_output_dir() -> Path:
    """Reports, Data Docs and proposals: $KEYNODE_OUTPUT_DIR or output/."""
    return project_path(os.environ.get("KEYNODE_OUTPUT_DIR", "output"))
