"""The repo's profiles.yml through dbt-duckdb's own connection code, after DuckDB has spilled to disk.

DuckDB refuses `SET temp_directory` once the temp directory has been used, even to the same path.
dbt-duckdb re-applies every `settings` entry on each new cursor (one per dbt thread and model), so a
temp_directory there broke a 30M-event build as soon as a model spilled (dbt-duckdb issue 600). The
profile passes it once, as a `config_options` entry, when the database opens.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import yaml
from dbt.adapters.duckdb.credentials import DuckDBCredentials
from dbt.adapters.duckdb.environments import create
from keynode.dbt import PROJECT_DIR


def _profile(env: dict[str, str]) -> dict:
    """The duckdb output of profiles.yml, rendered with `env` as dbt's env_var would."""

    def env_var(name: str, default: str | None = None) -> str | None:
        return env.get(name, default)

    def render(value):
        if isinstance(value, dict):
            return {k: render(v) for k, v in value.items()}
        if isinstance(value, str):
            return jinja2.Environment().from_string(value).render(env_var=env_var)
        return value

    profiles = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    return render(profiles["keynode"]["outputs"]["duckdb"])


def test_new_cursors_work_after_a_spill(tmp_path: Path):
    spill = tmp_path / "spill"
    output = _profile(
        {
            "KEYNODE_DUCKDB_PATH": str(tmp_path / "k.duckdb"),
            "KEYNODE_DUCKDB_TEMP_DIR": str(spill),
            "KEYNODE_DUCKDB_MEMORY_LIMIT": "64MB",
        }
    )
    assert "temp_directory" not in output["settings"]
    credentials = DuckDBCredentials.from_dict(
        {k: v for k, v in output.items() if k not in ("type", "threads")}
    )
    environment = create(credentials)
    first = environment.handle().cursor()
    first.execute("create table numbers as select range as i, hash(range) as h from range(6000000)")
    first.execute("create table sorted as select * from numbers order by h")  # beyond 64MB: spills
    assert spill.is_dir()  # DuckDB created it to spill (it removes the files after the query)
    # a later dbt thread opens its cursor, which re-applies the profile's settings
    second = environment.handle().cursor()
    second.execute("select count(*), current_setting('temp_directory') from sorted")
    count, temp_directory = second.fetchone()
    assert count == 6_000_000
    assert Path(temp_directory) == spill
