"""What is published: the BI contract, read from dbt's manifest.json so the rule lives in the YAML.

Published tables: every model named ``fct_*`` or ``dim_*`` under ``models/marts/`` (the marts, including
the quality marts ``fct_quarantined_rows`` and ``fct_raw_row_accounting``) plus the checkpoint's results
table ``main_quality.gx_validation_results``. Personal identifiers are columns marked in the marts' YAML:

    columns:
      - name: user_key
        meta: {pii: true}                                   # the whole value is pseudonymised
      - name: raw_record
        meta: {pii: true, pii_json_fields: [user_id, device_id]}   # only these fields of a JSON object
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from keynode.dbt import Warehouse
from keynode.paths import PROJECT_DIR

MART_NAME = re.compile(r"^(fct|dim)_[a-z0-9_]+$")
#: Tables written outside dbt that are part of the contract: (schema, table).
EXTRA_TABLES = (("main_quality", "gx_validation_results"),)


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    name: str
    pii_columns: tuple[str, ...] = ()
    pii_json_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> JSON fields
    from_dbt: bool = True

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def target_dir(wh: Warehouse) -> Path:
    """dbt's target folder for this warehouse: its own, else $DBT_TARGET_PATH, else <project>/target."""
    if wh.target_path:
        return Path(wh.target_path)
    env = os.environ.get("DBT_TARGET_PATH")
    return Path(env) if env else PROJECT_DIR / "target"


def column_meta(column: dict) -> dict:
    meta = dict((column.get("config") or {}).get("meta") or {})
    meta.update(column.get("meta") or {})
    return meta


def published_tables(manifest: dict) -> list[PublishedTable]:
    """The contract's tables from a dbt manifest (dict of target/manifest.json), in name order."""
    tables = []
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model" or not MART_NAME.match(node.get("name", "")):
            continue
        if not str(node.get("original_file_path", "")).startswith("models/marts/"):
            continue
        if (node.get("config") or {}).get("materialized") == "ephemeral":
            continue
        pii, json_fields = [], {}
        for name, column in (node.get("columns") or {}).items():
            meta = column_meta(column)
            if not meta.get("pii"):
                continue
            fields = meta.get("pii_json_fields")
            if fields:
                json_fields[name] = tuple(str(f) for f in fields)
            else:
                pii.append(name)
        tables.append(
            PublishedTable(node["schema"], node.get("alias") or node["name"], tuple(sorted(pii)), json_fields)
        )
    tables.sort(key=lambda t: t.name)
    return tables + [PublishedTable(schema, name, from_dbt=False) for schema, name in EXTRA_TABLES]


def load_manifest(wh: Warehouse) -> dict:
    path = target_dir(wh) / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"dbt manifest not found: {path} (run dbt build first)")
    return json.loads(path.read_text(encoding="utf-8"))
