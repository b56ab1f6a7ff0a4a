"""The data-quality checkpoint (keynode.quality: checkpoint, planning, suites, thresholds, faults).

* thresholds: robust statistics, promotion-aware volume bands and hourly floors, checked against
  numbers worked out by hand in the comments;
* the real checkpoint (dbt profile models + GX + results table) on the generated dataset built by dbt
  (``generated_wh``, conftest.py): a known-good day passes with observed values; every fault the
  generator injected (its ``_manifest.json``) fails exactly the right check on exactly its day, with
  observed values; clean days raise nothing critical; the fault x check confusion table is exactly
  the expected mapping; the limits the checks use are the dbt vars the profiles were built with.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import failures
from keynode import cli
from keynode.dbt import Warehouse, run_dbt
from keynode.project import dbt_var
from keynode.quality import faults, store
from keynode.quality import suites as gs
from keynode.quality import thresholds as qt

# One worker runs the whole module under pytest-xdist (--dist loadgroup): one all-days checkpoint run.
pytestmark = pytest.mark.xdist_group("gx_checkpoint")

D = dt.date


def days(first: dt.date, n: int) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(n)]


# --------------------------------------------------------------------------------------------------
# quality_thresholds: hand-worked numbers
# --------------------------------------------------------------------------------------------------
def test_median_mad_and_robust_sigma():
    values = [10, 12, 11, 30, 9]  # sorted 9 10 11 12 30 -> median 11
    assert qt.median(values) == 11
    assert qt.mad(values) == 1  # |dev| = 1 1 0 1 19 -> sorted 0 1 1 1 19 -> 1
    assert qt.robust_sigma(values) == pytest.approx(1.4826)
    assert qt.median([1, 2, 3, 4]) == 2.5


def test_day_classes_and_promotion_calendar_from_the_seed():
    assert qt.day_class(D(2026, 11, 7)) == "weekend"  # Saturday
    assert qt.day_class(D(2026, 11, 6)) == "weekday"  # Friday
    assert qt.day_class(D(2026, 11, 7), by_weekday=False) == "all"
    calendar = qt.PromotionCalendar.from_csv()  # seeds/promotion_calendar.csv
    assert calendar.multiplier(D(2026, 11, 10)) == 4.0  # double_11_2026, 09..11 inclusive
    assert calendar.multiplier(D(2026, 11, 11)) == 4.0
    assert calendar.multiplier(D(2026, 11, 12)) == 1.0
    assert calendar.promotion(D(2026, 12, 12)).key == "double_12_2026"


# Validated day: Wednesday 2026-10-21. Trailing window: 2026-10-07 .. 2026-10-20 (14 days), of which
# 10 are weekdays: 7 8 9 12 13 14 15 16 19 20 and 4 weekend days: 10 11 17 18.
VALIDATED = D(2026, 10, 21)
WEEKDAY_VALUES = dict(
    zip(
        [D(2026, 10, d) for d in (7, 8, 9, 12, 13, 14, 15, 16, 19, 20)],
        [100, 104, 96, 100, 102, 98, 100, 250, 101, 99],
        strict=True,
    )
)
SERIES = {
    **WEEKDAY_VALUES,
    **{D(2026, 10, d): 130 for d in (10, 11, 17, 18)},  # weekend days: another class, ignored
    D(2026, 10, 6): 10,  # outside the 14-day window
    VALIDATED: 40,  # the validated day never feeds its own threshold
}


def test_volume_band_by_hand():
    band = qt.volume_band(VALIDATED, SERIES, qt.EVENTS_VOLUME)
    # weekday history sorted: 96 98 99 100 100 100 101 102 104 250 -> median (100 + 100) / 2 = 100
    # |dev|: 4 2 1 0 0 0 1 2 4 150 -> sorted 0 0 0 1 1 2 2 4 4 150 -> MAD (1 + 2) / 2 = 1.5
    assert band.history == tuple(sorted(WEEKDAY_VALUES))
    assert band.expected == 100
    assert band.spread == pytest.approx(1.5 * 1.4826)
    assert band.low == 50  # 100 x (1 - 0.5)
    assert band.high == 200  # 100 + max(4 x 2.2239, 1.0 x 100)
    assert not band.contains(40) and band.contains(50) and band.contains(200) and not band.contains(201)
    assert band.basis().startswith("median 100 of 10 weekday day(s) 2026-10-07..2026-10-20")
    # A tight relative tolerance lets the spread win: 100 + 4 x 1.5 x 1.4826 = 108.8956
    tight = qt.volume_band(VALIDATED, SERIES, dataclasses.replace(qt.EVENTS_VOLUME, high_rel=0.05))
    assert tight.high == pytest.approx(108.8956)
    # Floors only: no upper bound, lower bound 100 x (1 - 0.75) = 25
    floor = qt.volume_band(VALIDATED, SERIES, qt.TRAFFIC_FLOOR)
    assert (floor.low, floor.high) == (25, None)


def test_volume_band_is_promotion_aware():
    calendar = qt.PromotionCalendar(
        (
            qt.Promotion("past", D(2026, 10, 14), D(2026, 10, 14), 4.0),  # a history day
            qt.Promotion("now", VALIDATED, VALIDATED, 2.0),  # the validated day
        )
    )
    series = {D(2026, 10, 12): 100, D(2026, 10, 13): 110, D(2026, 10, 14): 400, D(2026, 10, 15): 90}
    band = qt.volume_band(VALIDATED, series, qt.EVENTS_VOLUME, calendar)
    # normalised history: 100 110 400/4=100 90 -> median 100; |dev| 0 10 0 10 -> MAD 5, sigma 7.413
    assert band.multiplier == 2.0
    assert band.expected == 200  # 2 x 100
    assert band.low == 100  # 2 x 100 x 0.5
    assert band.high == 400  # 2 x (100 + max(4 x 7.413, 100))
    assert "x promotion multiplier 2" in band.basis()
    # Without promotion awareness: raw median of 90 100 110 400 = 105, no scaling.
    raw = qt.volume_band(VALIDATED, series, qt.ASSIGNMENT_FLOOR, calendar)
    assert (raw.expected, raw.multiplier, raw.low) == (105, 1.0, 26.25)


def test_volume_band_excludes_flagged_days_and_needs_history():
    excluded = set(list(WEEKDAY_VALUES)[2:])  # leaves 2 usable days, fewer than min_history (3)
    band = qt.volume_band(VALIDATED, SERIES, qt.EVENTS_VOLUME, exclude=excluded)
    assert (band.low, band.high, band.expected) == (1.0, None, None)
    assert band.basis().startswith("insufficient history (2 of 3 usable days)")


def test_rolling_bands_flag_a_bad_day_and_leave_it_out_of_later_history():
    rule = qt.VolumeRule(by_weekday_class=False, promotion_aware=False)
    start = D(2026, 10, 1)
    values = [100, 100, 100, 100, 10, 100, 100]  # day 5 lost 90 % of its rows
    series = dict(zip(days(start, 7), values, strict=True))
    bands, flagged = qt.rolling_volume_bands(series, rule)
    assert flagged == {D(2026, 10, 5)}
    assert bands[D(2026, 10, 3)].expected is None  # 2 days of history: non-empty only
    assert (bands[D(2026, 10, 4)].low, bands[D(2026, 10, 4)].high) == (50, 200)
    assert D(2026, 10, 5) not in bands[D(2026, 10, 7)].history
    assert len(bands[D(2026, 10, 7)].history) == 5


def test_hourly_floors_by_hand():
    history = days(D(2026, 10, 5), 3)  # Mon Tue Wed; validated: Thu 2026-10-08
    columns = {  # hour -> its counts on the three history days; [a-d, a, a+d] has variance d^2
        1: [360, 400, 440],  # variance / mean = 1600 / 400 = 4
        2: [15, 25, 35],  # 100 / 25 = 4
        3: [0, 0, 0],  # mean 0: ignored by the dispersion
        4: [10, 1000, 1990],  # 980100 / 1000 = 980.1: an odd hour, the median ignores it
    }  # every other hour: [80, 100, 120] -> 400 / 100 = 4
    hourly = {d: [float(columns.get(h, [80, 100, 120])[i]) for h in range(24)] for i, d in enumerate(history)}
    assert qt.dispersion([[80, 100, 120], [360, 400, 440], [0, 0, 0], [10, 1000, 1990]]) == 4
    floors = qt.hourly_floors(D(2026, 10, 8), hourly)
    assert floors.dispersion == 4  # median of 22 x 4 and 980.1
    # floor = max(0, min(0.5 x e, e - 4 x sqrt(4 x e))), e = the hour's median
    assert floors.floors[0] == 20  # e 100: min(50, 100 - 80)
    assert floors.floors[1] == 200  # e 400: min(200, 400 - 160)
    assert floors.floors[2] == 0  # e 25: 25 - 40 < 0
    assert floors.floors[3] == 0  # e 0
    assert floors.floors[4] == 500  # e 1000: min(500, 1000 - 252.98)
    assert floors.below([19, 199, 0, 0, 499] + [100] * 19) == [0, 1, 4]
    assert floors.below([0] * 24)[:3] == [0, 1, 4]  # an empty hour fails wherever the floor is > 0
    # On a x2 promotion day every expected count doubles (the noise grows with its square root).
    calendar = qt.PromotionCalendar((qt.Promotion("p", D(2026, 10, 8), D(2026, 10, 8), 2.0),))
    promo = qt.hourly_floors(D(2026, 10, 8), hourly, calendar=calendar)
    assert promo.floors[0] == pytest.approx(86.863, abs=1e-3)  # e 200: min(100, 200 - 4 x sqrt(800))
    assert promo.floors[1] == 400  # e 800: min(400, 800 - 226.27)
    assert promo.floors[4] == 1000  # e 2000: min(1000, 2000 - 357.77)
    assert "x promotion multiplier 2" in promo.basis()
    # Too little history: nothing is checked.
    assert qt.hourly_floors(D(2026, 10, 6), hourly).floors is None


def test_rolling_hourly_floors_flag_an_empty_hour():
    normal = [100.0] * 24
    hole = [100.0] * 24
    hole[14] = 0.0
    hourly = {d: list(normal) for d in days(D(2026, 10, 5), 5)}  # Mon..Fri
    hourly[D(2026, 10, 8)] = hole
    floors, flagged = qt.rolling_hourly_floors(hourly)
    assert flagged == {D(2026, 10, 8)}
    assert floors[D(2026, 10, 8)].below(hole) == [14]
    assert D(2026, 10, 8) not in floors[D(2026, 10, 9)].history


def test_fault_days_from_the_manifest():
    manifest = {
        "faults": [
            {"fault": "late_day", "date": "2026-11-04"},
            {"fault": "duplicate_file", "copy": "events/dt=2026-10-28/part-0004.parquet"},
            {"fault": "conversion_drop", "dates": ["2026-10-30"]},  # a business signal: no check
            {"fault": "missing_hour", "date": "2026-10-26", "hour": 14},
            {"fault": "traffic_outage", "date": "2026-10-26", "hour": 10},
        ]
    }
    assert faults.expected_failures(manifest) == {
        (D(2026, 11, 4), "events_daily", "late_share"): ["late_day"],
        (D(2026, 10, 28), "events_landing", "duplicate_share"): ["duplicate_file"],
        (D(2026, 10, 26), "events_hourly", "hours_below_floor"): ["missing_hour", "traffic_outage"],
    }


# --------------------------------------------------------------------------------------------------
# The real checkpoint on the generated dataset
# --------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Run:
    status: int
    out: str
    run_id: str
    rows: list[dict]

    def by(self, **where) -> list[dict]:
        return [r for r in self.rows if all(r[k] == v for k, v in where.items())]

    def one(self, **where) -> dict:
        [row] = self.by(**where)
        return row


@pytest.fixture(scope="module")
def warehouse(generated_wh, tmp_path_factory) -> Path:
    """A copy of the generated warehouse (the checkpoint writes its results into it)."""
    root = tmp_path_factory.mktemp("gx_checkpoint")
    path = root / "keynode.duckdb"
    shutil.copyfile(generated_wh.wh.duckdb_path, path)
    return path


@pytest.fixture(scope="module")
def gx_dir(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("gx_dir")
    for name in ("great_expectations.yml", ".gitignore"):
        shutil.copy2(qt.REPO_ROOT / "gx" / name, target / name)
    return target


def run_checkpoint(warehouse: Path, gx_dir: Path, *args: str) -> Run:
    out = io.StringIO()
    base = ["--duckdb-path", str(warehouse), "--gx-dir", str(gx_dir), "--no-data-docs"]
    base += ["--output-dir", str(warehouse.parent / "out")]
    with contextlib.redirect_stdout(out):
        status = cli.main(["check", *base, *args])
    text = out.getvalue()
    run_id = re.search(r"runs/(keynode_\w+)\.json", text).group(1)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(f"select * from {store.RESULTS_TABLE} where run_id = ?", [run_id])
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
    return Run(status, text, run_id, rows)


@pytest.fixture(scope="module")
def all_days(warehouse, gx_dir, generated_wh) -> Run:
    manifest = generated_wh.wh.raw_path / "_manifest.json"
    return run_checkpoint(warehouse, gx_dir, "--all-days", "--expected-faults", str(manifest))


def fault_days(manifest: dict) -> set[dt.date]:
    return {day for day, _, _ in faults.expected_failures(manifest)}


def test_run_covers_every_day_and_matches_the_manifest(all_days, generated_wh):
    gen = generated_wh.manifest["generator"]
    first = D.fromisoformat(gen["start_date"])
    expected_days = set(days(first, gen["days"]))  # the spill-over day after the range is incomplete
    assert {r["day"] for r in all_days.by(suite="events_daily")} == expected_days
    assert all_days.status == 0, all_days.out  # every critical failure is an injected fault
    assert "missed faults: 0, unexplained failures: 0" in all_days.out
    skipped = all_days.by(status="skipped")
    assert all(r["description"].startswith("skipped: model not built") for r in skipped)
    assert not all_days.by(status="error"), [r["error"] for r in all_days.by(status="error")]


def test_known_good_day_passes_with_observed_values(all_days, generated_wh):
    bad = fault_days(generated_wh.manifest)
    day = max(d for d in {r["day"] for r in all_days.by(suite="events_daily")} if d not in bad)
    rows = [r for r in all_days.rows if r["day"] == day]
    assert {r["suite"] for r in rows} >= {"events_daily", "events_hourly", "events_landing", "orders"}
    assert all(r["success"] for r in rows), [r for r in rows if not r["success"]]
    assert all(r["observed_number"] is not None for r in rows)
    volume = all_days.one(day=day, suite="events_daily", check_name="rows")
    assert volume["threshold_min"] < volume["observed_number"] < volume["threshold_max"]
    assert volume["basis"].startswith("median ")
    late = all_days.one(day=day, suite="events_daily", check_name="late_share")
    assert 0 < late["observed_number"] < 0.01
    assert late["threshold_max"] == dbt_var("keynode__anomaly_max_latency_rate") == 0.05
    assert late["basis"] == "late_share_max = 0.05 (var keynode__anomaly_max_latency_rate, as built)"
    hourly = all_days.one(day=day, suite="events_hourly", check_name="hours_below_floor")
    assert hourly["observed_number"] == 0 and "per hour" in hourly["basis"]


def test_each_injected_fault_fails_the_right_check_on_its_day(all_days, generated_wh):
    injected = {f["fault"]: f for f in generated_wh.manifest["faults"]}
    assert set(faults.FAULT_CHECKS) <= set(injected), "the generator injects every fault kind"
    for kind, (suite, check) in faults.FAULT_CHECKS.items():
        row = all_days.one(day=faults.fault_day(injected[kind]), suite=suite, check_name=check)
        assert row["success"] is False and row["severity"] == "critical", (kind, row)
        assert row["observed_number"] is not None, (kind, row)
    late = all_days.one(day=D.fromisoformat(injected["late_day"]["date"]), check_name="late_share")
    assert late["observed_number"] == pytest.approx(injected["late_day"]["late_share"], abs=0.01)
    for kind in ("missing_hour", "traffic_outage"):
        row = all_days.one(
            day=D.fromisoformat(injected[kind]["date"]), suite="events_hourly", check_name="hours_below_floor"
        )
        hours = re.findall(r'"hour": (\d+), "events": (\d+), "floor": ([\d.]+)', row["observed_value"])
        assert [int(h) for h, _, _ in hours] == [injected[kind]["hour"]], (kind, row["observed_value"])
        events, floor = int(hours[0][1]), float(hours[0][2])
        assert events < floor and (events == 0 if kind == "missing_hour" else events > 0)
    dup = all_days.one(day=faults.fault_day(injected["duplicate_file"]), check_name="duplicate_share")
    duplicate_share_max = dbt_var("keynode__quality_duplicate_share_max")
    assert dup["observed_number"] > duplicate_share_max and dup["threshold_max"] == duplicate_share_max
    gap = all_days.one(
        day=D.fromisoformat(injected["source_gap"]["date"]), suite="marketing_exposure", check_name="rows"
    )
    assert gap["observed_number"] == 0 and gap["threshold_min"] >= 1


def test_confusion_table_is_exactly_the_expected_mapping(all_days, generated_wh):
    manifest = generated_wh.manifest
    # fault day x check -> failed?  Built from the manifest and the stored results.
    failed = {
        (r["day"], f"{r['suite']}.{r['check_name']}")
        for r in all_days.rows
        if r["status"] in ("failed", "error") and r["severity"] == "critical"
    }
    expected = {(day, f"{suite}.{check}") for day, suite, check in faults.expected_failures(manifest)}
    assert failed == expected
    fault_day_set = fault_days(manifest)
    confusion = {day: sorted(c for d, c in failed if d == day) for day in fault_day_set}
    assert confusion == {day: sorted(c for d, c in expected if d == day) for day in fault_day_set}
    for line in ("missing_hour", "late_day", "duplicate_file", "traffic_outage", "source_gap"):
        assert re.search(rf"{line}\s+\S+\s+CAUGHT", all_days.out), all_days.out


def test_clean_days_raise_nothing_critical(all_days, generated_wh):
    manifest = generated_wh.manifest
    bad = fault_days(manifest)
    clean = [r for r in all_days.rows if r["day"] is not None and r["day"] not in bad]
    assert clean and not [r for r in clean if not r["success"] and r["severity"] == "critical"]
    assert not [r for r in clean if not r["success"]], "no warning either on clean days"
    promo = (manifest.get("effects") or {}).get("promotion")
    if promo:  # a dataset that covers a promotion: its days are clean too
        promo_days = set(days(D.fromisoformat(promo["start"]), 3)) & {r["day"] for r in clean}
        assert all(r["success"] for r in clean if r["day"] in promo_days)


def test_results_table_charts_latency_and_completeness_per_day(all_days, warehouse):
    late = all_days.by(suite="events_daily", check_name="late_share")
    assert len(late) == len({r["day"] for r in late}) > 10
    assert all(r["source"] == "events" and r["threshold_max"] == 0.05 for r in late)
    sources = {r["source"] for r in all_days.rows if r["check_name"] in ("rows", "missing_keys")}
    assert {"events", "marketing_exposure", "orders", "inventory_snapshots", "order_lines"} <= sources
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        n_days, n_profile = con.execute(
            "select count(distinct date_day), count(*) from main_quality.quality_profile_events_hourly"
        ).fetchone()
    finally:
        con.close()
    assert n_profile == 24 * n_days  # one row per day and hour, empty hours included


def test_default_run_validates_the_latest_complete_days_and_fails_on_critical(
    warehouse, gx_dir, generated_wh
):
    gen = generated_wh.manifest["generator"]
    last = D.fromisoformat(gen["start_date"]) + dt.timedelta(days=gen["days"] - 1)
    run = run_checkpoint(warehouse, gx_dir, "--suite", "events")
    assert {r["day"] for r in run.rows} == {last - dt.timedelta(days=2), last - dt.timedelta(days=1), last}
    expected = faults.expected_failures(generated_wh.manifest)
    bad = {day for day, suite, _ in expected if suite.startswith("events")}
    assert run.status == (1 if bad & {r["day"] for r in run.rows} else 0), run.out


def test_partial_day_fails_volume_and_hours(warehouse, gx_dir, generated_wh):
    """The day after the generated range holds only sessions that crossed midnight: validated
    explicitly, its volume is far below the band and most hours are empty."""
    gen = generated_wh.manifest["generator"]
    spill = D.fromisoformat(gen["start_date"]) + dt.timedelta(days=gen["days"])
    run = run_checkpoint(warehouse, gx_dir, "--start-date", str(spill), "--suite", "events_daily")
    run_hourly = run_checkpoint(warehouse, gx_dir, "--start-date", str(spill), "--suite", "events_hourly")
    assert run.status == 1 and run_hourly.status == 1
    volume = run.one(check_name="rows")
    assert volume["success"] is False and volume["observed_number"] < volume["threshold_min"]
    assert "[CRITICAL] events_daily/events day" in run.out and "rows observed" in run.out
    assert run_hourly.one(check_name="hours_below_floor")["observed_number"] >= 12


def test_promotion_calendar_reaches_the_thresholds(warehouse, gx_dir, generated_wh, tmp_path, monkeypatch):
    """Declare a x4 promotion on a clean day that had normal traffic: the promotion-aware volume band
    now expects ~4x the traffic, so the day fails - the calendar is wired into the run."""
    bad = fault_days(generated_wh.manifest)
    gen = generated_wh.manifest["generator"]
    day = next(d for d in days(D.fromisoformat(gen["start_date"]) + dt.timedelta(days=14), 5) if d not in bad)
    calendar = tmp_path / "promotion_calendar.csv"
    calendar.write_text(
        "promo_key,promo_label,start_date,end_date,expected_traffic_multiplier\n"
        f"fake,Fake promotion,{day},{day},4.0\n"
    )
    monkeypatch.setattr(qt, "PROMOTION_CALENDAR_CSV", calendar)
    run = run_checkpoint(warehouse, gx_dir, "--start-date", str(day), "--suite", "events_daily")
    volume = run.one(check_name="rows")
    assert volume["success"] is False and "x promotion multiplier 4" in volume["basis"]
    assert volume["threshold_min"] > volume["observed_number"]


def test_missing_model_is_skipped_not_failed(warehouse, gx_dir, monkeypatch):
    def future_mart() -> gs.SuiteSpec:
        return gs.profiled("future_mart", expectations=[])

    monkeypatch.setitem(gs.SUITES, "future_mart", future_mart)
    run = run_checkpoint(warehouse, gx_dir, "--suite", "future_mart", "--start-date", "2026-10-05")
    assert run.status == 0
    missing = "main_quality.quality_profile_future_mart missing"
    assert f"[SKIPPED] future_mart: skipped: model not built ({missing})" in run.out
    assert run.one(suite="future_mart")["status"] == "skipped"


def test_profiles_are_dbt_models_and_the_run_creates_none(all_days, warehouse):
    """Every suite reads its dbt profile; a run adds only its results table to main_quality."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = 'main_quality'"
        ).fetchall()
    finally:
        con.close()
    profiles = {f"quality_profile_{name}" for name in gs.SUITES}
    assert {name for (name,) in rows} == profiles | {"gx_validation_results"}


def test_a_vars_override_of_the_build_reaches_the_checks(generated_wh, gx_dir, tmp_path):
    """Rebuild the events profile with a 20 % late-share limit: the late day (~11 % late) now passes,
    checked against the limit the profile was built with, not the default in dbt_project.yml."""
    path = tmp_path / "keynode.duckdb"
    shutil.copyfile(generated_wh.wh.duckdb_path, path)
    wh = Warehouse(path, generated_wh.wh.raw_path, target_path=tmp_path / "target", log_path=tmp_path)
    override = "{keynode__anomaly_max_latency_rate: 0.2}"
    built = run_dbt(wh, ["run", "--select", "quality_profile_events_daily", "--vars", override], check=False)
    assert failures(built) == []
    [late_day] = [faults.fault_day(f) for f in generated_wh.manifest["faults"] if f["fault"] == "late_day"]
    run = run_checkpoint(path, gx_dir, "--start-date", str(late_day), "--suite", "events_daily")
    late = run.one(check_name="late_share")
    assert 0.05 < late["observed_number"] < 0.2
    assert (late["threshold_max"], late["success"], run.status) == (0.2, True, 0), run.out
