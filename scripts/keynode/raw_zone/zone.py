"""What a folder given to ``keynode run --raw`` is, and the dbt vars recorded with it.

A raw zone (docs/raw_zone.md) is a folder of ``<entity>/dt=YYYY-MM-DD/*.parquet`` files, optionally with a
``_manifest.json`` written by the tool that made it: ``keynode generate`` (a ``generator`` section) or a
loader (``keynode load ...``: a ``loader`` section). A manifest may record the dbt vars the data needs
(``dbt_vars``, e.g. the REES46 clickstream starts in 2019, before the default
``keynode__events_source_start``); ``keynode run`` applies them, and ``--vars`` overrides them.

``keynode run`` generates the demo data only into a folder that does not exist yet or that
``keynode generate`` made; it never generates into, or clears, anything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keynode.raw_zone.schemas import ENTITIES

ABSENT, GENERATED, LOADED, OWN = "absent", "generated", "loaded", "own"


class NotARawZone(ValueError):
    """The folder cannot be used as a raw zone; the message says why and what a raw zone looks like."""


@dataclass
class RawZone:
    path: Path
    kind: str  # absent | generated (keynode generate) | loaded (keynode load) | own (no manifest)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def recorded_vars(self) -> dict[str, Any]:
        """The dbt vars the tool that wrote the raw zone recorded for it (``dbt_vars`` of the manifest)."""
        value = self.manifest.get("dbt_vars") or {}
        if not isinstance(value, dict):
            raise NotARawZone(f"{self.path / '_manifest.json'}: dbt_vars must be a mapping, got {value!r}")
        return dict(value)

    @property
    def made_by(self) -> str:
        return {
            GENERATED: "keynode generate",
            LOADED: "keynode load",
            OWN: "no manifest: your own raw zone",
            ABSENT: "not there yet",
        }[self.kind]


LAYOUT_HINT = (
    "a raw zone holds one folder per entity ({}) with landing-date folders dt=YYYY-MM-DD of Parquet "
    "files (docs/raw_zone.md); write one with `keynode load events --mapping FILE --input DATA --out DIR`, "
    "`keynode load rees46|uci --out DIR` or `keynode generate --out DIR`"
).format(", ".join(ENTITIES))


def inspect(path: Path) -> RawZone:
    """Classifies ``path``; raises NotARawZone for a file, an empty folder or a folder of something else."""
    if not path.exists():
        return RawZone(path, ABSENT)
    if not path.is_dir():
        raise NotARawZone(f"{path} is a file, not a raw-zone folder; {LAYOUT_HINT}")
    manifest_path = path / "_manifest.json"
    manifest: dict[str, Any] = {}
    if manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise NotARawZone(f"{manifest_path} is not readable JSON ({exc})") from exc
        if not isinstance(manifest, dict):
            raise NotARawZone(f"{manifest_path} is not a JSON object")
    has_entities = any((path / e).is_dir() for e in ENTITIES)
    if not has_entities:
        what = "is empty" if not any(path.iterdir()) else "has no entity folders"
        raise NotARawZone(f"{path} {what}: it is not a raw zone; {LAYOUT_HINT}")
    if "generator" in manifest:
        return RawZone(path, GENERATED, manifest)
    if manifest:
        return RawZone(path, LOADED, manifest)
    return RawZone(path, OWN, manifest)


def parse_vars(text: str | None) -> dict[str, Any]:
    """``--vars`` as dbt takes it: a YAML (or JSON) mapping such as ``{keynode__lookback_days: 5}``."""
    if not text:
        return {}
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise NotARawZone(f"--vars is not a YAML mapping: {exc}") from exc
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise NotARawZone(f"--vars must be a YAML mapping like '{{keynode__lookback_days: 5}}', not {text!r}")
    return value
