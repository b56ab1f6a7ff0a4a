"""The semantic layer (models/semantic): MetricFlow's `mf query` answers against a real DuckDB warehouse,
and each metric's answer equals the number computed independently, in plain SQL, from the mart it comes
from (or from another mart that states the same number at its own grain).

The warehouse is a copy of the session's generated build (``generated_wh``). `mf` reads the semantic
manifest from ``<project>/target/semantic_manifest.json`` only, so the test parses the project in a folder
of symlinks to the repository's dbt files, with its own target/, and runs the real `mf` command there.
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import project_copy_env
from keynode.paths import PROJECT_DIR

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("semantic_layer")]

DBT_FILES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "analyses", "docs")
REL = 1e-9
BIN = Path(sys.executable).parent  # the venv's mf and dbt


class Mf:
    """`mf` in a parsed copy of the project, against one DuckDB file."""

    def __init__(self, project: Path, env: dict[str, str]):
        self.project, self.env = project, env

    def run(self, *args: str) -> subprocess.CompletedProcess:
        mf = str(BIN / "mf")
        return subprocess.run([mf, *args], cwd=self.project, env=self.env, capture_output=True, text=True)

    def query(self, *args: str) -> pd.DataFrame:
        out = self.project / "answer.csv"
        out.unlink(missing_ok=True)
        done = self.run("query", *args, "--csv", str(out))
        assert done.returncode == 0 and out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
        return pd.read_csv(io.StringIO(out.read_text()))


@pytest.fixture(scope="module")
def mf(generated_wh, tmp_path_factory) -> Mf:
    root = tmp_path_factory.mktemp("semantic")
    project = root / "project"
    project.mkdir()
    for name in DBT_FILES:
        (project / name).symlink_to(PROJECT_DIR / name)
    # dbt-duckdb names the database after the file: keep `keynode`, as in data/keynode.duckdb.
    warehouse = root / "keynode.duckdb"
    shutil.copyfile(generated_wh.wh.duckdb_path, warehouse)
    env = {
        **project_copy_env(project, warehouse, generated_wh.wh.raw_path),
        # mf asks PyPI for a newer version on every start (1 s timeout, failures ignored): send that
        # request to a closed local port, so nothing leaves the machine.
        "HTTPS_PROXY": "http://127.0.0.1:9",
    }
    parsed = subprocess.run(
        [str(BIN / "dbt"), "parse", "--quiet"], cwd=project, env=env, capture_output=True, text=True
    )
    assert parsed.returncode == 0, parsed.stdout[-3000:] + parsed.stderr[-3000:]
    assert (project / "target" / "semantic_manifest.json").exists()
    return Mf(project, env)


def mart(mf: Mf, query: str) -> pd.DataFrame:
    con = duckdb.connect(mf.env["KEYNODE_DUCKDB_PATH"], read_only=True)
    try:
        return con.execute(query).df()
    finally:
        con.close()


def by_day(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose ``day`` column holds dates: from MetricFlow's ``metric_time__day`` (text in
    its CSV answer) or from a mart query's own ``day`` column."""
    column = "metric_time__day" if "metric_time__day" in frame else "day"
    return frame.assign(day=pd.to_datetime(frame[column]).dt.date)


def by_day_from_both(mf: Mf, metrics: str, group_by: str, query: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """MetricFlow's answer for ``metrics`` grouped by ``group_by`` and the rows of the mart ``query``, each
    with a ``day`` date column (``by_day``)."""
    return by_day(mf.query("--metrics", metrics, "--group-by", group_by)), by_day(mart(mf, query))


def same(a, b) -> bool:
    if a is None or b is None or pd.isna(a) or pd.isna(b):
        return (a is None or pd.isna(a)) and (b is None or pd.isna(b))
    return math.isclose(float(a), float(b), rel_tol=REL, abs_tol=1e-12)


def assert_equal_on(answer: pd.DataFrame, expected: pd.DataFrame, keys: list[str], pairs: dict[str, str]):
    """Every key of ``expected`` has a row in ``answer`` (and vice versa) with the same numbers."""
    joined = answer.merge(expected, on=keys, how="outer", indicator=True)
    assert (joined["_merge"] == "both").all(), joined[joined["_merge"] != "both"].head(10)
    wrong = [
        (tuple(row[k] for k in keys), metric, row[metric], row[column])
        for _, row in joined.iterrows()
        for metric, column in pairs.items()
        if not same(row[metric], row[column])
    ]
    assert wrong == [], wrong[:10]


def test_semantic_manifest_is_valid(mf):
    done = mf.run("validate-configs", "--skip-dw")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "ERRORS: 0" in done.stdout


def test_step_conversion_per_node_day_is_the_marts_rate(mf):
    """Per node and day, step_conversion (a ratio of sums) is fct_node_funnel_daily.step_conversion_rate
    and users_reached its users_reached; NULL at step 1."""
    answer, expected = by_day_from_both(
        mf,
        "users_reached,step_conversion",
        "funnel_node,metric_time__day",
        "select funnel_key || ':' || node_key as funnel_node, funnel_date as day, "
        "users_reached as mart_users, step_conversion_rate as mart_rate from fct_node_funnel_daily",
    )
    assert len(expected) > 300
    pairs = {"users_reached": "mart_users", "step_conversion": "mart_rate"}
    assert_equal_on(answer, expected, ["funnel_node", "day"], pairs)


def test_step_conversion_over_all_days_is_the_pooled_rate(mf):
    answer = mf.query("--metrics", "step_conversion", "--group-by", "funnel_node")
    expected = mart(
        mf,
        "select funnel_key || ':' || node_key as funnel_node, "
        "sum(users_reached) / sum(users_reached_previous) as pooled from fct_node_funnel_daily group by all",
    )
    assert_equal_on(answer, expected, ["funnel_node"], {"step_conversion": "pooled"})
    checkout = answer.set_index("funnel_node").loc["purchase:checkout_start", "step_conversion"]
    assert 0 < checkout < 1


def test_latency_rate_per_node_day_is_the_health_marts_rate(mf):
    """latency_rate (from fct_node_metrics_daily's numerator and denominator) per node-day equals
    fct_node_health_daily.data_latency_rate, another mart."""
    answer, expected = by_day_from_both(
        mf,
        "latency_rate",
        "funnel_node,metric_time__day",
        "select funnel_key || ':' || node_key as funnel_node, health_date as day, data_latency_rate "
        "from fct_node_health_daily",
    )
    assert_equal_on(answer, expected, ["funnel_node", "day"], {"latency_rate": "data_latency_rate"})
    assert (answer["latency_rate"] > 0.05).any(), "the generated data has a late-arrival day"


def test_stockout_rate_per_day_is_the_stockout_marts_total(mf):
    answer, expected = by_day_from_both(
        mf,
        "stockout_rate",
        "metric_time__day",
        "select date_day as day, stockout_rate from fct_stockout_daily "
        "where grouping_level = 'total' and stockout_rate is not null",
    )
    merged = expected.merge(answer, on="day", how="left", suffixes=("_mart", "_metric"))
    assert len(merged) >= 15
    pairs = zip(merged["stockout_rate_mart"], merged["stockout_rate_metric"], strict=True)
    wrong = merged[[not same(a, b) for a, b in pairs]]
    assert wrong.empty, wrong


def test_days_of_cover_per_sku_day_is_the_marts_cover(mf):
    answer, expected = by_day_from_both(
        mf,
        "days_of_cover",
        "sku,metric_time__day",
        "select sku_id as sku, date_day as day, days_of_cover as mart from fct_sku_daily "
        "where days_of_cover is not null",
    )
    answer = answer[answer["days_of_cover"].notna()]
    assert len(expected) > 1000
    assert_equal_on(answer, expected, ["sku", "day"], {"days_of_cover": "mart"})


def test_gap_loss_rate_per_pair_day_is_the_marts_loss_rate(mf):
    answer, expected = by_day_from_both(
        mf,
        "gap_loss_rate",
        "funnel_gap_day__funnel_key,funnel_gap_day__from_node_key,funnel_gap_day__to_node_key,metric_time__day",
        "select funnel_key, from_node_key, to_node_key, funnel_date as day, loss_rate "
        "from fct_funnel_gap_points",
    )
    answer = answer.rename(columns=lambda c: c.replace("funnel_gap_day__", ""))
    keys = ["funnel_key", "from_node_key", "to_node_key", "day"]
    assert_equal_on(answer, expected, keys, {"gap_loss_rate": "loss_rate"})


def test_saved_query_open_incidents_counts_the_open_incidents(mf):
    answer = mf.query("--saved-query", "dashboard_open_incidents")
    expected = mart(
        mf,
        "select severity_level as incident__severity_level, count(*) as n from fct_node_alerts "
        "where status = 'open' group by all",
    )
    assert len(expected) >= 1
    assert_equal_on(answer, expected, ["incident__severity_level"], {"open_incidents": "n"})


@pytest.mark.parametrize("saved_query", ["dashboard_node_day", "dashboard_sku_day"])
def test_every_saved_query_answers(mf, saved_query):
    answer = mf.query("--saved-query", saved_query)
    assert len(answer) > 10 and answer["metric_time__day"].notna().all()
