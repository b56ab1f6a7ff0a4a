"""The node-health dashboard (`keynode dashboard`) in a real headless Chromium, against a real publication.

`keynode run` (a child process, the main command) builds the CI dataset and publishes version 1 of the BI
artefact; `keynode dashboard` serves it. The browser opens every page in Chinese and in English and checks
that each chart drew its data (SVG marks; the heatmap one cell per scored node-day, the gap chart one bar
per node pair, counted independently in plain SQL on the artefact), that no error box or exception is
shown, that the console is clean and that no request leaves 127.0.0.1. Screenshots go to
``output/dashboard/screenshots/``. The last test keeps the dashboard open and clicks through its pages
while a second `keynode run` rebuilds and publishes version 2: no page ever fails, and afterwards the
overview shows version 2.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import GENERATED_ARGS, generate
from keynode.dashboard.labels import text
from keynode.paths import PROJECT_DIR, default_output_dir
from offline_browser import offline_chromium, require_chromium
from publish_fixture import isolated_run_env

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("dashboard")]

# Page (navigation label key) -> the charts it draws (container keys, see frame.chart).
PAGES = {
    "page_overview": ("key-node-health", "open-incidents"),
    "page_funnel": ("funnel-daily", "gap-points", "segments"),
    "page_health": ("health-heatmap", "latency", "lineage"),
    "page_sku": ("stockout", "wasted", "alerts-by-day", "days-of-cover"),
}
MARKS = "g.role-mark > path, g.role-mark > text, g.role-mark > line"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Site:
    root: Path
    raw: Path
    warehouse: Path
    artefact: Path
    env: dict[str, str]
    url: str

    def run_main(self, log: Path) -> subprocess.Popen:
        """`keynode run` (build, checks, audit, publication) in a child process, its output in ``log``."""
        command = ["run", "--raw", str(self.raw), "--duckdb", str(self.warehouse)]
        with log.open("w") as handle:
            return subprocess.Popen(
                [sys.executable, "-m", "keynode", *command],
                stdout=handle,
                stderr=subprocess.STDOUT,
                cwd=PROJECT_DIR,
                env={**os.environ, **self.env},
            )

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.artefact), read_only=True)
        try:
            return con.execute(query, params or []).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_chromium()
    root = tmp_path_factory.mktemp("dashboard")
    raw = root / "raw"
    generate(raw, GENERATED_ARGS)
    env = isolated_run_env(root)
    port = free_port()
    s = Site(
        root, raw, root / "keynode.duckdb", root / "bi" / "keynode_bi.duckdb", env, f"http://127.0.0.1:{port}"
    )
    log = root / "run-1.log"
    first = s.run_main(log)
    first.wait(timeout=1800)
    out = log.read_text()
    assert first.returncode == 0, out[-4000:]
    assert "[publish] version 1 of build" in out

    server = subprocess.Popen(
        [sys.executable, "-m", "keynode", "dashboard", "--bi", str(s.artefact), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=PROJECT_DIR,
        start_new_session=True,  # its own process group: the Streamlit child stops with it
    )
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{s.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None and time.time() < deadline, server.stdout.read()[-3000:]
            time.sleep(0.5)
        yield s
    finally:
        stop_process_group(server)


def stop_process_group(server: subprocess.Popen) -> None:
    """SIGTERM to the dashboard's process group, then SIGKILL to whatever is left of it after 20 s: the
    Streamlit child can outlive its parent's exit (a CI run left one serving for an hour)."""
    os.killpg(server.pid, signal.SIGTERM)
    deadline = time.time() + 20
    while time.time() < deadline:
        server.poll()  # reap the parent once it exits: a zombie still counts as a group member
        try:
            os.killpg(server.pid, 0)  # anyone left in the group?
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
    server.wait()


class Browser:
    """One Chromium page on the dashboard, recording every problem it sees."""

    def __init__(self, context, blocked: list[str], site: Site):
        self.site = site
        self.blocked = blocked  # requests that did not go to the dashboard (offline_chromium blocks them)
        self.problems: list[str] = []
        self.page = context.new_page()
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))

    def open(self, lang: str) -> None:
        self.page.goto(f"{self.site.url}/?lang={lang}", wait_until="load")

    def show(self, lang: str, page_key: str, timeout: float = 90_000) -> dict[str, int]:
        """Clicks the page in the sidebar and waits until each of its charts drew marks; returns the
        number of marks per chart."""
        self.page.locator('[data-testid="stSidebarNav"] a', has_text=text(lang, page_key)).click()
        charts = PAGES[page_key]
        self.page.wait_for_function(
            """([keys, marks]) => keys.every(k => {
                 const c = document.querySelector('.st-key-chart-' + k);
                 return c !== null && c.querySelectorAll(marks).length > 0;
               }) && !document.querySelector('[data-testid="stStatusWidget"]')""",
            arg=[list(charts), MARKS],
            timeout=timeout,
        )
        return self.page.evaluate(
            """([keys, marks]) => Object.fromEntries(keys.map(k =>
                 [k, document.querySelector('.st-key-chart-' + k).querySelectorAll(marks).length]))""",
            [list(charts), MARKS],
        )

    def error_boxes(self) -> list[str]:
        return self.page.locator('[data-testid="stException"], [data-testid="stAlert"]').all_inner_texts()


@pytest.fixture
def browser(site):
    with offline_chromium((site.url,), width=1400, height=2600) as (context, blocked):
        yield Browser(context, blocked, site)


def screenshots_dir() -> Path:
    path = default_output_dir() / "dashboard" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_draws_its_charts_offline(site, browser, lang):
    browser.open(lang)
    expected_heat = site.sql(
        "select count(*) from fct_node_health_daily "
        "where funnel_key = 'purchase' and health_score is not null"
    )[0][0]
    expected_gaps = site.sql(
        "select count(*) from fct_funnel_gap_points where funnel_key = 'purchase' "
        "and loss_rate_deviation is not null "
        "and funnel_date = (select max(funnel_date) from fct_node_funnel_daily where funnel_key = 'purchase')"
    )[0][0]
    drawn = {}
    for page_key in PAGES:
        drawn[page_key] = browser.show(lang, page_key)
        assert browser.error_boxes() == [], (page_key, browser.error_boxes())
        assert text(lang, page_key) in browser.page.inner_text('[data-testid="stSidebarNav"]')
        browser.page.screenshot(path=str(screenshots_dir() / f"{page_key.removeprefix('page_')}-{lang}.png"))
    assert all(n > 0 for marks in drawn.values() for n in marks.values()), drawn
    # heatmap: one cell per scored node-day of the default funnel; gap chart: one bar per node pair
    assert expected_heat > 300 and expected_gaps > 5
    browser.show(lang, "page_health")
    cells = browser.page.locator(".st-key-chart-health-heatmap g.mark-rect.role-mark > path")
    assert cells.count() == expected_heat
    browser.show(lang, "page_funnel")
    bars = browser.page.locator(".st-key-chart-gap-points g.mark-rect.role-mark > path")
    assert bars.count() == expected_gaps
    title = text(lang, "app_title")
    browser.show(lang, "page_overview")
    assert browser.page.get_by_role("heading", name=title).count() == 1
    assert browser.blocked == [] and browser.problems == [], (browser.blocked, browser.problems)


def test_language_switch_relabels_the_page(site, browser):
    browser.open("zh")
    browser.show("zh", "page_overview")
    assert browser.page.get_by_role("heading", name=text("zh", "app_title")).count() == 1
    browser.page.locator('[data-testid="stSidebar"] label', has_text="English").click()
    browser.page.get_by_role("heading", name=text("en", "app_title")).wait_for(timeout=30_000)
    browser.show("en", "page_health")
    assert text("en", "health_heatmap") in browser.page.inner_text("body")
    assert browser.problems == [], browser.problems


def test_dashboard_keeps_working_while_a_rebuild_publishes(site, browser):
    """A second `keynode run` rebuilds the warehouse and publishes version 2 while the browser keeps
    clicking through every page: no page fails, and then the overview shows version 2."""
    browser.open("en")
    browser.show("en", "page_overview")
    assert "v1" in browser.page.inner_text('[data-testid="stMain"]')
    log = site.root / "run-2.log"
    run = site.run_main(log)
    rounds, renders = 0, 0
    while run.poll() is None:
        rounds += 1
        for page_key in PAGES:
            browser.show("en", page_key, timeout=180_000)
            renders += 1
            assert browser.error_boxes() == [], (page_key, browser.error_boxes())
    out = log.read_text()
    assert run.returncode == 0, out[-4000:]
    assert "[publish] version 2 of build" in out
    assert renders >= 8, f"only {renders} page renders during the rebuild"
    browser.open("en")  # a new session: the newest publication
    browser.show("en", "page_overview")
    assert "v2" in browser.page.inner_text('[data-testid="stMain"]')
    browser.page.screenshot(path=str(screenshots_dir() / "overview-after-rebuild-en.png"))
    assert browser.blocked == [] and browser.problems == [], (browser.blocked, browser.problems)


def test_main_command_writes_an_offline_dbt_docs_site(site):
    """`keynode run` wrote the static dbt docs page; Chromium opens it from the file system with every
    network request blocked and shows the dashboard's exposure (its owner and the marts it reads)."""
    index = site.root / "output" / "dbt_docs" / "index.html"
    assert index.is_file() and index.stat().st_size > 1_000_000
    page_errors = []
    with offline_chromium(("file://", "data:"), width=1400, height=1400) as (context, blocked):
        page = context.new_page()
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        page.goto(f"{index.as_uri()}#!/exposure/exposure.keynode.keynode_dashboard", wait_until="load")
        page.get_by_text("ops-analytics@keynode.example").first.wait_for(timeout=60_000)
        body = page.inner_text("body")
        assert "keynode dashboard (node health, funnels, SKU board)" in body
        page.get_by_text("Depends On").first.click()
        page.get_by_text("fct_node_health_daily").first.wait_for(timeout=30_000)
        page.screenshot(path=str(screenshots_dir() / "dbt-docs-dashboard-exposure.png"))
    assert blocked == [] and page_errors == [], (blocked, page_errors)
