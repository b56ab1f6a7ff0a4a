"""Write-audit-publish through the real main command (`keynode run` in child processes) on the CI dataset.

One scenario, one test (each step builds on the previous one, so they run in order in one process:
pytest-xdist here does not keep an ``xdist_group`` on one worker):

1. a first run publishes version 1; a DuckDB 1.x client (its own venv, requirements-bi-client.txt)
   reads it; the Parquet files hold the same rows;
2. no raw identifier survives in any published value (DuckDB artefact and Parquet), and the
   pseudonyms are HMAC-SHA256 of the warehouse's ids under the development key;
3. SIGKILL during dbt and during the checkpoint: version 1 stays served, complete and readable;
4. the next run completes normally while BI-style reader processes (2.x and 1.x clients) poll the
   artefact: no read fails, every read sees one complete version (its row counts are that version's
   manifest), and the second publication of the same raw zone has the same content (idempotence);
5. SIGKILL in the middle of `keynode publish` on the real warehouse, then a normal publication;
6. the circuit breaker: a corrupt raw file stops the run (the raw-zone preflight names it); nothing is
   published, BI keeps the last version and published_status says why;
7. rollback to version 1 and forward again.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import publish_fixture
import pytest
from conftest import GENERATED_ARGS, generate
from keynode.paths import PROJECT_DIR
from keynode.publish import pseudonym
from keynode.publish.layout import BiLayout
from publish_fixture import ReaderPool, identifier_hits, keynode, raw_identifiers, table_counts

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("publish_pipeline")]

MIN_READS = 200
FLOAT_TOLERANCE = 1e-9  # relative: parallel double sums differ between builds in the last bits


def client_python() -> str | None:
    path = os.environ.get("KEYNODE_BI_CLIENT_PYTHON") or str(
        PROJECT_DIR / ".venv-bi-client" / "bin" / "python"
    )
    if Path(path).is_file():
        return path
    if os.environ.get("CI"):
        pytest.fail(f"DuckDB 1.x client missing at {path}: scripts/test.sh installs it")
    return None


@dataclass
class Scenario:
    root: Path
    raw: Path
    warehouse: Path
    layout: BiLayout
    env: dict[str, str]

    def run_args(self) -> list[str]:
        return ["run", "--raw", str(self.raw), "--duckdb", str(self.warehouse)]

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "keynode", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=PROJECT_DIR,
            env={**os.environ, **self.env},
        )

    def manifest_rows(self, version: int) -> dict[str, int]:
        return {k: t["rows"] for k, t in self.layout.load_manifest(version)["tables"].items()}


def kill_at(process: subprocess.Popen, marker: str, delay: float = 0.0) -> list[str]:
    """SIGKILLs the process ``delay`` seconds after ``marker`` appears in its output; its lines so far."""
    lines = []
    for line in process.stdout:
        lines.append(line)
        if marker in line:
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL, f"ended before {marker!r}:\n{''.join(lines[-20:])}"
    return lines


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Scenario:
    root = tmp_path_factory.mktemp("publish_pipeline")
    raw = root / "raw"
    generate(raw, GENERATED_ARGS)
    env = {**publish_fixture.isolated_run_env(root), "KEYNODE_PROGRESS": "1"}
    s = Scenario(root, raw, root / "keynode.duckdb", BiLayout.at(root / "bi" / "keynode_bi.duckdb"), env)
    first = keynode(*s.run_args(), env=env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "[publish] version 1 of build" in first.stdout
    return s


def step_1_first_run_publishes_a_version_old_clients_can_read(scenario, tmp_path):
    s = scenario
    assert s.layout.served() == (1, 0) and s.layout.versions() == [1]
    status = json.loads(s.layout.status_json.read_text())
    assert status["serving"]["version"] == 1 and status["newest_build"]["status"] == "published"
    assert status["serving"]["checks_passed"] and status["serving"]["storage_version"] == "v1.4.0"
    rows = s.manifest_rows(1)
    assert len(rows) == 22 and all(n > 0 for n in rows.values()), rows
    read = table_counts(s.layout.artefact)
    assert read["version"] == 1 and read["counts"] == rows
    con = duckdb.connect()
    try:
        for name, n in rows.items():
            parquet = s.layout.current_link / "parquet" / f"{name.split('.')[1]}.parquet"
            assert con.execute("select count(*) from read_parquet(?)", [str(parquet)]).fetchone()[0] == n
    finally:
        con.close()

    python = client_python()
    if python is None:  # (a developer without the venv; CI fails instead, see client_python)
        print("DuckDB 1.x client not installed: skipping its reads (scripts/test.sh installs it)")
        return
    old = table_counts(s.layout.artefact, python=python)
    assert old["version"] == 1 and old["counts"] == rows
    # The control: a file in DuckDB 2.x's own storage format is refused by the same client.
    native = tmp_path / "native.duckdb"
    duckdb.connect(str(native)).execute("create table t as select 1 as x").close()
    refused = subprocess.run(
        [python, "-c", f"import duckdb; duckdb.connect({str(native)!r}, read_only=True)"],
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "version number" in refused.stderr


def step_2_no_raw_identifier_is_published(scenario):
    s = scenario
    identifiers = raw_identifiers(s.raw)
    assert len(identifiers) > 1000
    con = duckdb.connect(str(s.layout.artefact), read_only=True)
    try:
        names = con.execute("select table_schema, table_name from published_tables").fetchall()
        tables = [f'"{a}"."{b}"' for a, b in names]
        assert identifier_hits(con, tables, identifiers) == {}
        published = dict(
            con.execute("select add_event_id, user_key from fct_cart_abandonment_events").fetchall()
        )
    finally:
        con.close()
    con = duckdb.connect()
    try:
        parquet = [
            f"read_parquet('{p}')" for p in sorted((s.layout.current_link / "parquet").glob("*.parquet"))
        ]
        assert len(parquet) == 22 and identifier_hits(con, parquet, identifiers) == {}
    finally:
        con.close()
    con = duckdb.connect(str(s.warehouse), read_only=True)
    try:  # the control: the same scan finds the ids in the working warehouse
        assert identifier_hits(con, ["fct_cart_abandonment_events"], identifiers)
        raw_pairs = con.execute("select add_event_id, user_key from fct_cart_abandonment_events").fetchall()
    finally:
        con.close()
    key = pseudonym.PseudonymKey(pseudonym.DEVELOPMENT_KEY.encode(), "development")
    assert len(raw_pairs) == len(published) > 100
    assert all(published[key.pseudonym(event)] == key.pseudonym(user) for event, user in raw_pairs)


def step_3_sigkill_during_dbt_and_checkpoint_keeps_the_publication(scenario):
    s = scenario
    before = table_counts(s.layout.artefact)
    kill_at(s.popen(*s.run_args()), "[dbt build]", delay=3.0)
    after = table_counts(s.layout.artefact)
    assert after["version"] == 1 and after["counts"] == before["counts"]
    assert keynode("publish", "--duckdb", str(s.warehouse), env=s.env).returncode == 1  # no audit: no publish

    check = s.popen("check", "--duckdb-path", str(s.warehouse), "--all-days", "--no-data-docs")
    time.sleep(6.0)  # profiling: the checkpoint's read-write phase
    assert check.poll() is None, "the checkpoint ended before it was killed"
    check.send_signal(signal.SIGKILL)
    check.wait(timeout=60)
    assert table_counts(s.layout.artefact)["counts"] == before["counts"]
    assert s.layout.served() == (1, 0)


def step_4_next_run_publishes_while_readers_read_one_consistent_version(scenario):
    s = scenario
    pythons = [sys.executable, sys.executable, client_python() or sys.executable]
    pool = ReaderPool(s.layout.artefact, s.root / "readers", pythons)
    second = keynode(*s.run_args(), env=s.env)  # the run after the two kills completes normally
    pool.wait_for_reads_after(time.time(), per_reader=3)
    reads = pool.stop()
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    errors = [r["error"] for r in reads if "error" in r]
    versions = sorted({r["version"] for r in reads if "version" in r})
    print(f"\nBI readers: {len(reads)} reads, {len(errors)} errors, versions seen {versions}, "
          f"clients {sorted({r['duckdb'] for r in reads})}")  # fmt: skip
    assert len(reads) >= MIN_READS and errors == []
    assert versions == [1, 2]
    expected = {v: s.manifest_rows(v) for v in versions}
    assert [r for r in reads if r["counts"] != expected[r["version"]]] == []

    # Idempotence: the same raw zone published twice has the same content.
    first, again = (s.layout.load_manifest(v)["tables"] for v in (1, 2))
    marts = [t for t in first if t != "main_quality.gx_validation_results"]  # the checkpoint's run history
    assert [
        t for t in marts if first[t]["exact_columns_checksum"] != again[t]["exact_columns_checksum"]
    ] == []
    noisy = [t for t in marts if first[t]["checksum"] != again[t]["checksum"]]
    assert len(noisy) < len(marts) / 2, noisy
    for table in noisy:
        assert_equal_within_float_noise(s.layout, table)


def assert_equal_within_float_noise(layout: BiLayout, table: str) -> None:
    """Versions 1 and 2 of ``table`` hold the same rows: equal non-float values, floats within
    FLOAT_TOLERANCE (relative)."""
    con = duckdb.connect()
    try:
        rows = []
        for version in (1, 2):
            con.execute(f"attach '{layout.revision_file(version, 0)}' as v{version} (read_only)")
            cursor = con.execute(f"select * from v{version}.{table}")
            kinds = [d[1] for d in cursor.description]
            floats = [i for i, k in enumerate(kinds) if str(k) in ("DOUBLE", "FLOAT")]
            data = cursor.fetchall()
            rows.append(sorted(data, key=lambda r: [str(v) for i, v in enumerate(r) if i not in floats]))
    finally:
        con.close()
    assert floats and len(rows[0]) == len(rows[1])
    for a, b in zip(*rows, strict=True):
        for x, y in zip(a, b, strict=True):
            if isinstance(x, float) and isinstance(y, float):
                assert math.isclose(x, y, rel_tol=FLOAT_TOLERANCE) or (math.isnan(x) and math.isnan(y)), table
            else:
                assert x == y, (table, a, b)


def step_5_sigkill_in_the_middle_of_a_publication(scenario):
    s = scenario
    publish = ["publish", "--duckdb", str(s.warehouse)]
    kill_at(s.popen(*publish), "committed; switching")
    read = table_counts(s.layout.artefact)
    assert read["version"] in (2, 3) and read["counts"] == s.manifest_rows(read["version"])
    kill_at(s.popen(*publish), "building version")
    again = keynode(*publish, env=s.env)
    assert again.returncode == 0, again.stderr
    served = s.layout.served()
    assert served == (4, 0) and s.layout.versions() == [1, 2, 3, 4]
    assert table_counts(s.layout.artefact)["counts"] == s.manifest_rows(4)
    assert not list(s.layout.staging_dir.iterdir())


def step_6_circuit_breaker_holds_a_failing_build_back(scenario):
    s = scenario
    day = sorted((s.raw / "events").iterdir())[-1]
    corrupt = day / "part-9999.parquet"
    corrupt.write_bytes(b"PAR1 this is not a parquet file PAR1")
    try:
        held = keynode(*s.run_args(), env=s.env)
    finally:
        corrupt.unlink()
    output = held.stdout + held.stderr
    assert held.returncode == 1, output[-3000:]
    assert "circuit breaker: nothing published" in output and "part-9999.parquet" in output
    assert s.layout.versions() == [1, 2, 3, 4]
    con = duckdb.connect(str(s.layout.artefact), read_only=True)
    try:
        version, reason, newest, reasons, hours = con.execute(
            "select version, serving_reason, newest_build_status, held_back_reasons, hours_since_published "
            "from published_status"
        ).fetchone()
    finally:
        con.close()
    assert (version, reason, newest) == (4, "held_back", "held_back")
    # the raw-zone preflight stops the run before dbt, naming the unreadable file
    assert "raw files (preflight)" in reasons and "part-9999.parquet" in reasons and hours >= 0
    status = json.loads(s.layout.status_json.read_text())
    assert status["newest_build"]["status"] == "held_back" and status["serving"]["version"] == 4


def step_7_rollback_and_forward(scenario):
    s = scenario
    bi = ["--bi", str(s.layout.artefact)]
    listing = keynode("rollback", "--list", *bi)
    assert listing.returncode == 0 and "held_back" in listing.stdout
    assert keynode("rollback", "--to", "1", *bi).returncode == 0
    read = table_counts(s.layout.artefact, python=client_python())
    assert read["version"] == 1 and read["counts"] == s.manifest_rows(1)
    status = json.loads(s.layout.status_json.read_text())["serving"]
    assert (status["serving_reason"], status["rolled_back_from"]) == ("rolled_back", 4)
    assert keynode("rollback", "--to", "4", *bi).returncode == 0
    assert table_counts(s.layout.artefact)["version"] == 4
    shutil.rmtree(s.root / "readers", ignore_errors=True)


def test_publication_scenario(scenario, tmp_path):
    step_1_first_run_publishes_a_version_old_clients_can_read(scenario, tmp_path)
    step_2_no_raw_identifier_is_published(scenario)
    step_3_sigkill_during_dbt_and_checkpoint_keeps_the_publication(scenario)
    step_4_next_run_publishes_while_readers_read_one_consistent_version(scenario)
    step_5_sigkill_in_the_middle_of_a_publication(scenario)
    step_6_circuit_breaker_holds_a_failing_build_back(scenario)
    step_7_rollback_and_forward(scenario)
