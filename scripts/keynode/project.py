"""The dbt project's settings as Python sees them: the ``vars:`` of dbt_project.yml.

One source of truth for every policy the SQL enforces (limits, windows, thresholds): Python code that
needs a policy value (loaders working out expected accounting, checks, the benchmark) reads the var
here instead of keeping a copy of the number.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from keynode.paths import PROJECT_DIR

DBT_PROJECT_YML = PROJECT_DIR / "dbt_project.yml"


@functools.cache
def dbt_vars(path: Path = DBT_PROJECT_YML) -> dict[str, Any]:
    """The ``vars:`` of dbt_project.yml (keynode__late_event_minutes, keynode__max_unit_price, ...)."""
    import yaml

    return dict(yaml.safe_load(path.read_text(encoding="utf-8")).get("vars") or {})


def dbt_var(name: str) -> Any:
    """One var of dbt_project.yml; a KeyError names the file when it is not defined."""
    values = dbt_vars()
    if name not in values:
        raise KeyError(f"dbt var {name!r} is not defined in {DBT_PROJECT_YML}")
    return values[name]
