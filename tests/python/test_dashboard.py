"""The dashboard's parts that need no browser: its labels exist in both languages, its exposure lists
exactly the marts its SQL reads, every query runs read-only on a published artefact of the real marts, and
the lineage string of fct_node_health_daily is drawn in its layers (worked by hand)."""

from __future__ import annotations

import re

import duckdb
import pytest
import yaml
from keynode.dashboard import charts, data
from keynode.dashboard.labels import LABELS, LANGUAGES
from keynode.paths import PROJECT_DIR

TABLE = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)


def tables_read() -> set[str]:
    """Tables named after from/join in the dashboard's SQL, without its own CTE names."""
    found = set()
    for name in data.sql_names():
        sql = data.sql_text(name)
        ctes = set(re.findall(r"\b([a-z_][a-z0-9_]*)\s+as\s*\(", sql))
        found |= {t for t in TABLE.findall(sql) if t not in ctes}
    return found


def test_every_label_is_in_both_languages():
    assert set(LANGUAGES) == {"zh", "en"}
    missing = [k for k, words in LABELS.items() if set(words) != set(LANGUAGES) or not all(words.values())]
    assert missing == []
    # the Chinese labels are Chinese
    assert all(re.search(r"[\u4e00-\u9fff]", w["zh"]) for k, w in LABELS.items() if k not in ("sku",))


def test_exposure_lists_the_marts_the_dashboard_reads():
    exposures = yaml.safe_load((PROJECT_DIR / "models" / "_keynode__exposures.yml").read_text())["exposures"]
    dashboard = next(e for e in exposures if e["name"] == "keynode_dashboard")
    listed = {re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in dashboard["depends_on"]}
    read = tables_read() - {"published_status"}  # the publication's own status view, not a mart
    assert read == listed


def test_queries_run_read_only_on_a_publication_of_the_marts(generated_wh, tmp_path):
    """Each query of dashboard/sql runs against a file with the real marts (copied from the generated
    build, as the publication copies them) and the publication's status view, opened read-only."""
    artefact = tmp_path / "keynode_bi.duckdb"
    con = duckdb.connect(str(artefact))
    try:
        con.execute(f"attach '{generated_wh.wh.duckdb_path}' as wh (read_only)")
        for table in sorted(tables_read() - {"published_status"}):
            con.execute(f"create table main.{table} as select * from wh.main.{table}")
        con.execute(
            "create view published_status as select 1 as version, 0 as revision, 'b' as build_id, "
            "now() as published_at, 0.0 as hours_since_published, date '2026-10-01' as data_from, "
            "date '2026-10-21' as data_through, true as checks_passed, 'ok' as checks_summary, "
            "'published' as serving_reason, 'published' as newest_build_status, 1 as total_rows"
        )
    finally:
        con.close()
    served = data.Artefact(artefact).served_file()
    params = {
        "gap_points": {"funnel_key": "purchase", "funnel_date": generated_wh.scalar(
            "select max(funnel_date) from fct_node_funnel_daily where funnel_key = 'purchase'")},
        "segments": {"funnel_key": "purchase", "segment_type": "platform"},
        "key_nodes": {"limit": 8},
        "days_of_cover": {"limit": 25},
    }  # fmt: skip
    answers = {}
    for name in data.sql_names():
        sql = data.sql_text(name)
        args = params.get(name) or ({"funnel_key": "purchase"} if "$funnel_key" in sql else {})
        answers[name] = data.query(served, name, args)
    empty = [name for name, df in answers.items() if df.empty]
    assert empty == []
    # the segment shares start at 1 (node 1 is the entry) and never grow along the funnel
    seg = answers["segments"]
    assert (seg[seg["node_step"] == 1]["share_of_entry"] == 1).all()
    for _, rows in seg.groupby("segment"):
        shares = rows.sort_values("node_step")["share_of_entry"].tolist()
        assert all(a >= b for a, b in zip(shares, shares[1:], strict=False))
    open_incidents = generated_wh.scalar("select count(*) from fct_node_alerts where status = 'open'")
    assert answers["open_incidents"]["open_incidents"].sum() == open_incidents
    with pytest.raises(duckdb.Error):  # read-only: the dashboard cannot write
        duckdb.connect(str(served), read_only=True).execute("create table x (i int)")


def test_missing_artefact_is_reported_not_crashed(tmp_path):
    with pytest.raises(data.NotPublished, match="keynode run"):
        data.Artefact(tmp_path / "nothing.duckdb").served_file()


def test_lineage_string_is_drawn_in_layers():
    drawn = charts.lineage_nodes(
        "sources: events.events; models: base_events__events, int_funnel_events, stg_events__events",
        "Payment success",
    )
    assert drawn[["layer", "relation", "x", "y"]].values.tolist() == [
        ["source", "events.events", 0, 0],
        ["base", "base_events__events", 1, 0],
        ["int", "int_funnel_events", 3, 0],
        ["stg", "stg_events__events", 2, 0],
        ["node", "Payment success", 4, 0],
    ]
