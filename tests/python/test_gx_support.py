"""Great Expectations support (keynode.quality: gx_context, expectations, validations, results,
data_docs, checkpoint).

Proves, against real DuckDB files under a temporary folder:
* expectations REALLY evaluate (observed values present; a good day passes; a bad day fails with the
  exact observed values) - and that without keynode's persistent-connection fix they do not;
* the committed gx/ config stays path-free and is not rewritten by runs; run output goes elsewhere;
* Data Docs reference no http(s) URL and, opened offline in headless Chromium, are styled
  (-m browser; needs /usr/bin/chromium: scripts/install_browser.sh).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest
from keynode import cli
from keynode.quality import data_docs, registry, store, suites
from keynode.quality import expectations as ex
from keynode.quality import gx_context as gxs
from keynode.quality.results import summarize
from keynode.quality.validations import available_days, run_validations
from offline_browser import offline_chromium, require_chromium

E = pytest.importorskip("great_expectations.expectations")

GOOD, BAD, MISSING = dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 3)
ROWS = 1000

# Day GOOD: clean. Day BAD: 50 null ids, ids 60..69 twice (20 duplicated rows), 20 'tv' platforms,
# one price of 5000, 10 % of events ingested 30 min late, 10 % null prices (a warning rule).
EVENTS_SQL = f"""
create table events as
with base as (
    select i, d.day, d.day = date '{BAD}' as bad
    from range({ROWS}) r(i), (values (date '{GOOD}'), (date '{BAD}')) d(day)
)
select
    case when bad and i < 50 then null
         when bad and i between 50 and 59 then 'b' || (i + 10)
         else (case when bad then 'b' else 'g' end) || i end as event_id,
    'd' || (i % 97) as device_id,
    case when bad and i between 100 and 119 then 'tv'
         else ['app', 'web', 'mini_program'][1 + i % 3] end as platform,
    day::timestamp + to_seconds(i * 60) as event_ts,
    day as event_date,
    day::timestamp + to_seconds(i * 60)
        + to_minutes(case when (bad and i % 10 = 0) or (not bad and i % 100 = 0) then 30 else 1 end)
        as ingested_at,
    case when bad and i = 500 then 5000.0
         when bad and i % 10 = 5 then null
         when not bad and i % 50 = 0 then null
         else (i % 500) * 1.0 end as price,
    case when i % 4 = 0 then (i * 7) % 3000 end as page_load_ms
from base
"""


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory(prefix="keynode-gx-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="module")
def warehouse(workdir: Path) -> Path:
    path = workdir / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute(EVENTS_SQL)
    con.execute(
        "create table main.stg_events__events as "
        "select *, ingested_at - event_ts > interval 15 minute as is_late from events"
    )
    con.close()
    return path


@pytest.fixture(scope="module")
def gx_dir(workdir: Path) -> Path:
    """A copy of the repo's committed gx/ config (runs must not touch the repo's file)."""
    target = workdir / "gx"
    target.mkdir()
    for name in ("great_expectations.yml", ".gitignore"):
        shutil.copy2(gxs.GX_ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def context(warehouse: Path, gx_dir: Path, workdir: Path):
    ctx = gxs.get_context(duckdb_file=warehouse, output_dir=workdir / "out", context_root_dir=gx_dir)
    yield ctx
    gxs.close_context(ctx)


EVENTS = gxs.Source(name="events", table="events", day_column="event_date")


def share_below(condition: str, threshold: float, *, label: str, severity: str = "critical"):
    """Rule "share of rows where ``condition`` holds is below ``threshold``" (e.g. events ingested more
    than 15 minutes late < 5 %), built on keynode's UnexpectedRowsExpectation helper as the suites build
    their custom SQL rules: the query returns one row, carrying the observed share, when the rule is
    broken. Observed value: ``{"unexpected_rows": 0|1}`` (plus ``"rows": [{"share": ...}]`` with
    result_format="COMPLETE")."""
    query = (
        f"select share from (select avg(case when {condition} then 1.0 else 0.0 end) as share "
        f"from {{batch}}) as s where share >= {threshold!r}"
    )
    return ex.unexpected_rows(
        query,
        description=f"share of rows with {label} is below {threshold:.4g}",
        expected=f"share({label}) < {threshold:.4g}",
        severity=severity,
    )


def events_suite():
    return ex.build_suite(
        "events_quality",
        [
            ex.expectation(E.ExpectTableRowCountToBeBetween, min_value=500, max_value=2000),
            ex.expectation(E.ExpectColumnValuesToNotBeNull, column="event_id"),
            ex.expectation(E.ExpectColumnValuesToBeUnique, column="event_id"),
            ex.expectation(
                E.ExpectColumnValuesToBeInSet, column="platform", value_set=["app", "web", "mini_program"]
            ),  # fmt: skip
            ex.expectation(E.ExpectColumnMaxToBeBetween, column="price", min_value=0, max_value=1000),
            share_below("ingested_at - event_ts > interval 15 minute", 0.05, label="late events"),
            ex.expectation(E.ExpectColumnValuesToNotBeNull, column="price", mostly=0.95, severity="warning"),
        ],
    )


def by_key(results):
    return {(r.expectation, r.column): r for r in results}


@pytest.fixture(scope="module")
def good_results(context):
    return run_validations(context, [(events_suite(), EVENTS)], days=[GOOD])


@pytest.fixture(scope="module")
def bad_results(context):
    # COMPLETE so the UnexpectedRowsExpectation also returns the offending row (the observed share).
    return run_validations(context, [(events_suite(), EVENTS)], days=[BAD], result_format="COMPLETE")


# --------------------------------------------------------------------------------------------------
# The fix
# --------------------------------------------------------------------------------------------------
def test_fix_is_installed_and_pinned_to_the_gx_version(context, monkeypatch, warehouse, gx_dir, workdir):
    import great_expectations as gx

    assert gx.__version__ == gxs.TESTED_GX_VERSION
    assert gxs.duckdb_persistent_connection_enabled()
    monkeypatch.setattr(gx, "__version__", "1.99.0")
    with pytest.raises(gxs.GXVersionError, match="verified with 1.24.1"):
        gxs.get_context(duckdb_file=warehouse, output_dir=workdir / "out", context_root_dir=gx_dir)


def test_good_day_passes_with_observed_values(good_results):
    assert len(good_results) == 7
    assert all(r.error is None for r in good_results), [r.error for r in good_results]
    assert all(r.observed_value is not None for r in good_results)
    assert all(r.success for r in good_results), summarize(good_results)
    r = by_key(good_results)
    assert r["expect_table_row_count_to_be_between", None].observed_value == ROWS
    assert r["expect_column_max_to_be_between", "price"].observed_value == 499
    assert r["expect_column_values_to_not_be_null", "event_id"].observed_value["unexpected_count"] == 0
    assert r["expect_column_values_to_not_be_null", "price"].observed_value["unexpected_percent"] == 2.0
    assert r["unexpected_rows_expectation", None].observed_value == {"unexpected_rows": 0}  # 1 % late
    assert {x.day for x in good_results} == {GOOD}


def test_bad_day_fails_with_the_right_observed_values(bad_results):
    assert all(r.error is None for r in bad_results), [r.error for r in bad_results]
    r = by_key(bad_results)
    assert r["expect_table_row_count_to_be_between", None].success
    expected_failures = {
        ("expect_column_values_to_not_be_null", "event_id"): 50,
        ("expect_column_values_to_be_unique", "event_id"): 20,
        ("expect_column_values_to_be_in_set", "platform"): 20,
    }
    for key, count in expected_failures.items():
        assert not r[key].success and r[key].severity == "critical"
        assert r[key].observed_value["unexpected_count"] == count, key
    price_max = r["expect_column_max_to_be_between", "price"]
    assert (price_max.success, price_max.observed_value) == (False, 5000)
    assert price_max.expected == "min_value=0.0, max_value=1000.0"
    late = r["unexpected_rows_expectation", None]
    assert not late.success and late.expected == "share(late events) < 0.05"
    assert late.observed_value["unexpected_rows"] == 1
    assert late.observed_value["rows"][0]["share"] == pytest.approx(0.10)
    warning = r["expect_column_values_to_not_be_null", "price"]
    assert (warning.success, warning.severity) == (False, "warning")
    assert warning.observed_value["unexpected_percent"] == pytest.approx(10.0)
    summary = summarize(bad_results)
    assert "5 critical failure(s), 1 warning(s)" in summary
    assert f"day {BAD}: expect_column_max_to_be_between(price) observed 5000" in summary


def test_without_fix_metrics_are_empty(warehouse, gx_dir, workdir):
    """The upstream bug (GX #10738/#11579): without the fix nothing evaluates and nothing raises -
    every metric query comes back empty, even the one that lists the days of a partitioned asset."""
    import great_expectations as gx

    whole = gxs.Source(name="events_whole", table="events")
    with gxs.duckdb_persistent_connection_disabled():
        fresh = gx.get_context(  # a new context: new datasource objects, new engines
            mode="file",
            context_root_dir=str(gx_dir),
            runtime_environment={
                "KEYNODE_DUCKDB_PATH": str(warehouse),
                "KEYNODE_GX_OUTPUT_DIR": str(workdir / "out-nofix"),
            },
        )
        try:
            results = run_validations(fresh, [(events_suite(), whole), (events_suite(), EVENTS)], days=[GOOD])
        finally:
            gxs.close_context(fresh)
    assert gxs.duckdb_persistent_connection_enabled()
    whole_results = [r for r in results if r.source == "events_whole"]
    assert len(whole_results) == 7
    assert all(not r.success and r.observed_value is None for r in whole_results)
    assert sum("list index out of range" in (r.error or "") for r in whole_results) == 6
    [daily] = [r for r in results if r.source == "events"]
    assert daily.expectation == "batch_available" and "no candidate batches" in daily.error


def test_query_source_with_day_filter(context):
    late = gxs.Source(
        name="events_lateness",
        query="select event_date, ingested_at - event_ts > interval 15 minute as is_late from events",
        day_column="event_date",
    )
    suite = ex.build_suite(
        "lateness",
        [ex.expectation(E.ExpectColumnValuesToBeInSet, column="is_late", value_set=[False], mostly=0.95)],
    )
    results = run_validations(context, [(suite, late)], days=[GOOD, BAD, MISSING])
    r = {x.day: x for x in results}
    assert r[GOOD].success and r[GOOD].observed_value["unexpected_percent"] == pytest.approx(1.0)
    assert not r[BAD].success and r[BAD].observed_value["unexpected_percent"] == pytest.approx(10.0)
    assert (r[MISSING].expectation, r[MISSING].success, r[MISSING].severity) == (
        "batch_available", False, "critical",
    )  # fmt: skip
    assert available_days(context, late) == [GOOD, BAD]


# --------------------------------------------------------------------------------------------------
# Config hygiene
# --------------------------------------------------------------------------------------------------
def test_committed_config_has_no_absolute_paths():
    text = (gxs.GX_ROOT / "great_expectations.yml").read_text()
    assert "duckdb:///${KEYNODE_DUCKDB_PATH}" in text
    assert "read_only: true" in text
    assert not re.search(r"(?m)^\s*[\w-]+:\s*['\"]?/", text), "absolute path in gx/great_expectations.yml"
    assert not re.search(r"/(tmp|work|home|root|Users)/", text)


def test_runs_write_outside_gx_and_leave_the_config_alone(context, good_results, gx_dir, workdir):
    config = (gx_dir / "great_expectations.yml").read_text()
    assert {p.name for p in gx_dir.iterdir()} == {"great_expectations.yml", ".gitignore"}
    assert str(workdir) not in config  # runtime values are never written back
    out = workdir / "out" / "gx"
    assert list((out / "validations" / "events_quality").rglob("*.json"))
    assert (out / "expectations" / "events_quality.json").is_file()
    # Same sources again: no rewrite of the committed file.
    run_validations(context, [(events_suite(), EVENTS)], days=[GOOD])
    gxs.get_context(duckdb_file=gxs.duckdb_path(), output_dir=workdir / "out", context_root_dir=gx_dir)
    gxs.ensure_source(context, EVENTS)
    assert (gx_dir / "great_expectations.yml").read_text() == config


# --------------------------------------------------------------------------------------------------
# Offline Data Docs
# --------------------------------------------------------------------------------------------------
def test_asset_map_covers_every_cdn_url_in_gx_templates():
    import great_expectations.render.view as view

    templates = Path(view.__file__).parent / "templates"
    urls = set()
    for template in templates.glob("*.j2"):
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", template.read_text()):
            urls.update(re.findall(r"https?://[^\s\"'>]+", tag))
    assert urls and urls <= set(data_docs.CDN_ASSETS), urls - set(data_docs.CDN_ASSETS)


@pytest.fixture(scope="module")
def docs_index(context, good_results, bad_results) -> Path:
    return data_docs.build_data_docs(context)


def test_data_docs_reference_no_remote_url(docs_index: Path):
    site = docs_index.parent
    pages = list(site.rglob("*.html"))
    assert docs_index.is_file() and len(pages) >= 3
    assert data_docs.remote_references(site) == {}
    for page in pages:
        html = page.read_text()
        assert "http://" not in html and "https://" not in html, page
        for ref in re.findall(r"""<(?:script|link|img)\b[^>]*?(?:src|href)=["']([^"'#]+)["']""", html):
            assert (page.parent / ref).resolve().is_file(), f"{page.name}: {ref} missing"
    assert (site / "static/vendor/@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2").is_file()
    assert (site / "static/vendor/bootstrap/LICENSE").is_file()


def _validation_page(site: Path, day: dt.date) -> Path:
    return next(p for p in (site / "validations").rglob("*.html") if f"day_{day.day}" in p.name)


@pytest.mark.browser
def test_data_docs_render_styled_offline_in_chromium(docs_index: Path):
    require_chromium()
    shots = gxs.gx_output_dir() / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    failed, errors = [], []
    with offline_chromium(("file://",), width=1280, height=900) as (context, blocked):
        page = context.new_page()
        page.on("requestfailed", lambda req: failed.append(f"{req.url}: {req.failure}"))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        pages = (("index", docs_index), ("validation", _validation_page(docs_index.parent, BAD)))
        for name, path in pages:
            page.goto(path.resolve().as_uri(), wait_until="load")
            page.evaluate("document.fonts.ready")
            styles = page.evaluate(
                """() => {
                  const nav = getComputedStyle(document.querySelector('nav.navbar'));
                  const td = getComputedStyle(document.querySelector('table.table td'));
                  const icon = document.querySelector('.fas, .fa');
                  return {position: nav.position, display: nav.display,
                          borderTop: [td.borderTopWidth, td.borderTopStyle, td.borderTopColor].join(' '),
                          jquery: typeof jQuery, bootstrapTable: typeof jQuery.fn.bootstrapTable,
                          vegaEmbed: typeof vegaEmbed,
                          iconFont: icon ? getComputedStyle(icon).fontFamily : null,
                          faLoaded: document.fonts.check('900 16px "Font Awesome 6 Free"')};
                }"""
            )
            # Bootstrap's .navbar (display:flex) + .sticky-top (position:sticky); .table td border
            assert styles["position"] == "sticky" and styles["display"] == "flex", styles
            assert styles["borderTop"] == "1px solid rgb(222, 226, 230)", styles
            assert (styles["jquery"], styles["bootstrapTable"], styles["vegaEmbed"]) == ("function",) * 3
            if styles["iconFont"]:
                assert "Font Awesome 6 Free" in styles["iconFont"] and styles["faLoaded"], styles
            rows = page.locator("table.table tbody tr")
            assert rows.count() >= (2 if name == "index" else 7)
            # bootstrap-table re-renders the table after load, so a located row can be detached between
            # two calls; check visibility and height in one evaluation that waits for the final render.
            page.wait_for_function(
                """() => {
                  const row = document.querySelector('table.table tbody tr');
                  return row !== null && row.checkVisibility() && row.getBoundingClientRect().height > 10;
                }""",
                timeout=15_000,
            )
            page.screenshot(path=str(shots / f"{name}.png"))
        assert "5000" in page.inner_text("body")  # the bad day's observed max price
    assert blocked == [] and failed == [] and errors == [], (blocked, failed, errors)


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------
def test_cli_help_and_list(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["check", "--help"])
    assert exit_info.value.code == 0
    assert cli.main(["check", "--list"]) == 0
    listed = capsys.readouterr().out
    assert "events_daily" in listed and "marketing_exposure" in listed


def example_suite() -> registry.SuiteSpec:
    """A plain (unprofiled) suite: validates its table directly, one day per batch."""
    return registry.SuiteSpec(
        source=gxs.Source(
            name="stg_events__events", table="main.stg_events__events", day_column="event_date"
        ),
        description="valid client events, per event day",
        expectations=[
            ex.expectation(E.ExpectTableRowCountToBeBetween, min_value=1),
            ex.expectation(E.ExpectColumnValuesToNotBeNull, column="event_id"),
            ex.expectation(E.ExpectColumnValuesToBeUnique, column="event_id"),
            ex.expectation(E.ExpectColumnValuesToNotBeNull, column="device_id"),
            ex.expectation(
                E.ExpectColumnValuesToBeInSet, column="platform", value_set=["app", "web", "mini_program"]
            ),
            share_below("is_late", 0.05, label="events ingested > 15 min late"),
            ex.expectation(
                E.ExpectColumnValuesToBeBetween,
                column="page_load_ms",
                min_value=0,
                max_value=60_000,
                mostly=0.99,
                severity="warning",
            ),  # fmt: skip
        ],
    )


def test_cli_fails_on_critical_and_stores_results(warehouse, gx_dir, workdir, context, capsys, monkeypatch):
    monkeypatch.setattr(suites, "SUITES", {"stg_events__events": example_suite})
    args = ["--duckdb-path", str(warehouse), "--gx-dir", str(gx_dir), "--output-dir", str(workdir / "cli")]
    gxs.close_context(context)  # the CLI writes to the same file: no other connection may stay open
    assert cli.main(["check", *args, "--start-date", str(GOOD), "--no-data-docs"]) == 0
    assert (
        cli.main(["check", *args, "--start-date", str(GOOD), "--end-date", str(BAD), "--no-data-docs"]) == 1
    )
    out = capsys.readouterr().out
    assert f"stg_events__events/stg_events__events day {BAD}: unexpected_rows_expectation" in out
    assert "critical failure(s)" in out
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            f"select day, count(*), count(*) filter (not success), count(distinct run_id) "
            f"from {store.RESULTS_TABLE} group by day order by day"
        ).fetchall()
    finally:
        con.close()
    assert rows == [(GOOD, 14, 0, 2), (BAD, 7, 4, 1)]
