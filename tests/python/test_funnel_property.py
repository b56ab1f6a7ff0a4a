"""Property test: the dbt funnel models agree with the plain-Python reference (funnel_reference.py).

Builds random `int_funnel_events` (seeded: ties, exact window boundaries, repeats, skips, chains across
midnight, many days, 3,000 users) in a fresh DuckDB file, runs the real models with dbt in one process,
and compares every user-day (max step, breakdown attributes, reported chain times) and every node count
with the reference. The load happens in two phases so that the second build is incremental with late
rows; afterwards the portable SQL (`keynode__funnel_portable_sql`) is checked against the same oracle.
"""

from __future__ import annotations

import math
import os
import random
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from keynode.project import dbt_var

sys.path.insert(0, str(Path(__file__).resolve().parent))

from funnel_reference import (  # noqa: E402
    Event,
    brute_force_max_step,
    next_moves,
    node_funnel_daily,
    user_days,
)

# one xdist worker builds the warehouse once for the whole module (scripts/test.sh: --dist loadgroup)
pytestmark = pytest.mark.xdist_group("funnel_property")

PROJECT_DIR = Path(__file__).resolve().parents[2]
FUNNEL_STEPS = {"purchase": 17, "activation": 3}
WINDOW_MINUTES = 120
FIRST_DAY = date(2026, 3, 1)
DAYS = 10
PHASE_1_LAST_LANDED = date(2026, 3, 8)
N_USERS = 3000
MAX_STEP_COLUMNS = 17

CHANNELS = ["paid_search", "organic", "social", "email"]
PLATFORMS = ["app", "web", "mini_program"]
TIERS = ["none", "silver", "gold", "guest"]


def _random_events(rng: random.Random, n_users: int, window_minutes: int) -> list[tuple[Event, date]]:
    """(event, landed_date) pairs. Timestamps sit on a coarse grid so that ties are frequent."""
    window = timedelta(minutes=window_minutes)
    rows: list[tuple[Event, date]] = []
    counter = 0

    def add(user: str, funnel: str, ts: datetime, step: int) -> None:
        nonlocal counter
        counter += 1
        event = Event(
            funnel_key=funnel,
            user_key=user,
            event_id=f"e{counter:07d}",
            event_ts=ts,
            node_step=step,
            channel_group=rng.choice(CHANNELS),
            platform=rng.choice(PLATFORMS),
            is_new_user=rng.random() < 0.3,
            member_tier=rng.choice(TIERS),
        )
        rows.append((event, event.event_date + timedelta(days=rng.randint(0, 2))))

    for u in range(n_users):
        user = f"u{u:05d}"
        funnel = "purchase" if rng.random() < 0.7 else "activation"
        n_steps = FUNNEL_STEPS[funnel]
        for _ in range(rng.choice([1, 1, 2, 3])):
            day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            if rng.random() < 0.35:  # start close to midnight so chains cross into the next day
                offset = timedelta(days=1) - timedelta(minutes=rng.randint(0, 150))
            else:
                offset = timedelta(minutes=rng.randint(0, 24 * 60 - 1))
            ts = datetime.combine(day, datetime.min.time()) + offset
            start = ts
            step = 1
            for _ in range(rng.randint(1, 24)):
                add(user, funnel, ts, step)
                ts += rng.choice(
                    [timedelta(0)] * 3
                    + [
                        timedelta(seconds=30),
                        timedelta(minutes=1),
                        timedelta(minutes=5),
                        timedelta(minutes=20),
                    ]
                )
                r = rng.random()
                if r < 0.62:
                    step += 1
                elif r < 0.77:
                    pass  # repeat the node
                elif r < 0.85:
                    step -= 1
                elif r < 0.91:
                    step += 2  # skip a node
                else:
                    step = 1
                step = max(1, min(n_steps, step))
            if rng.random() < 0.3:  # probe the window boundary of this session's first node-1 event
                edge = rng.choice([timedelta(0), timedelta(milliseconds=1), -timedelta(milliseconds=1)])
                add(user, funnel, start + window + edge, min(n_steps, step + 1))
                add(user, funnel, start + window + edge, min(n_steps, step))
    return rows


def _phases(
    rng: random.Random, rows: list[tuple[Event, date]]
) -> tuple[list[tuple[Event, date]], list[tuple[Event, date]]]:
    """Splits the rows into what the first build sees and what arrives before the second (incremental) one.

    Held back for the second build: (a) rows landed after PHASE_1_LAST_LANDED; (b) a third of the rows
    landed in the keynode__lookback_days days up to it (they arrive after the first run but carry an
    already-processed landing date: only the lookback finds them); (c) half of the node >= 2 events in
    the first W minutes after midnight of day 3, re-landed at the end (very late rows that change the
    *previous* day's chains).
    Day 1 is not affected, so the second build really is partial (checked in the fixture, which also
    checks that the touched dates are recomputed per user-day, not whole).
    """
    phase_1, phase_2 = [], []
    window = timedelta(minutes=WINDOW_MINUTES)
    lookback_start = PHASE_1_LAST_LANDED - timedelta(days=int(dbt_var("keynode__lookback_days")))
    for event, landed in rows:
        day_start = datetime.combine(event.event_date, datetime.min.time())
        if (
            event.node_step >= 2
            and event.event_date == FIRST_DAY + timedelta(days=2)
            and event.event_ts - day_start <= window
            and rng.random() < 0.5
        ):
            phase_2.append((event, FIRST_DAY + timedelta(days=DAYS)))
        elif landed > PHASE_1_LAST_LANDED or (landed >= lookback_start and rng.random() < 1 / 3):
            phase_2.append((event, landed))
        else:
            phase_1.append((event, landed))
    return phase_1, phase_2


def _arrow_table(rows: list[tuple[Event, date]]) -> pa.Table:
    return pa.table(
        {
            "funnel_key": [e.funnel_key for e, _ in rows],
            "user_key": [e.user_key for e, _ in rows],
            "event_id": [e.event_id for e, _ in rows],
            "event_ts": pa.array([e.event_ts for e, _ in rows], pa.timestamp("us")),
            "event_date": [e.event_date for e, _ in rows],
            "node_step": pa.array([e.node_step for e, _ in rows], pa.int32()),
            "node_key": [f"{e.funnel_key}_{e.node_step}" for e, _ in rows],
            "platform": [e.platform for e, _ in rows],
            "channel_group": [e.channel_group for e, _ in rows],
            "member_tier": [e.member_tier for e, _ in rows],
            "is_new_user": [e.is_new_user for e, _ in rows],
            "sku_id": pa.array([None] * len(rows), pa.string()),
            "landed_date": [landed for _, landed in rows],
        }
    )


def _load(db_path: Path, rows: list[tuple[Event, date]], replace: bool) -> None:
    con = duckdb.connect(str(db_path))
    try:
        con.register("new_rows", _arrow_table(rows))
        if replace:
            con.execute("create or replace table main.int_funnel_events as select * from new_rows")
        else:
            con.execute("insert into main.int_funnel_events select * from new_rows")
    finally:
        con.close()


def _dbt(args: list[str], tmp_path: Path, extra_vars: str = "") -> None:
    """One dbt command through the project's run_dbt (which closes dbt-duckdb's in-process database
    afterwards); the warehouse is the one KEYNODE_DUCKDB_PATH names (set by the fixture)."""
    from keynode.dbt import Warehouse, run_dbt

    wh = Warehouse(
        duckdb_path=Path(os.environ["KEYNODE_DUCKDB_PATH"]),
        raw_path=tmp_path / "raw",  # unused: the funnel models read tables the test loads
        target_path=tmp_path / "target",
        log_path=tmp_path / "logs",
    )
    dbt_vars = f"{{keynode__conversion_window_minutes: {WINDOW_MINUTES}{extra_vars}}}"
    run_dbt(wh, [*args, "--vars", dbt_vars])


def _sql_user_days(db_path: Path) -> dict:
    steps = ", ".join(f"step_{k:02d}_reached_at" for k in range(1, MAX_STEP_COLUMNS + 1))
    con = duckdb.connect(str(db_path))
    try:
        rows = con.execute(
            f"""select funnel_key, funnel_date, user_key, max_step_reached, channel_group, platform,
                    is_new_user, member_tier, entry_event_id, {steps}
                from main.int_funnel_user_days"""
        ).fetchall()
    finally:
        con.close()
    return {r[:3]: (r[3], r[4:9], tuple(t for t in r[9:] if t is not None)) for r in rows}


def _expected_user_days(reference: dict) -> dict:
    return {
        key: (
            ud.max_step_reached,
            (ud.channel_group, ud.platform, ud.is_new_user, ud.member_tier, ud.entry_event_id),
            ud.step_reached_at,
        )
        for key, ud in reference.items()
    }


def _assert_same_rows(got: dict, expected: dict) -> None:
    """The same keys with the same values (user-days, next moves)."""
    missing = sorted(set(expected) - set(got))[:5]
    extra = sorted(set(got) - set(expected))[:5]
    wrong = [(k, expected[k], got[k]) for k in sorted(expected) if k in got and got[k] != expected[k]]
    assert not missing and not extra and not wrong, (
        f"missing={missing} extra={extra} wrong={len(wrong)} first={wrong[:3]}"
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """Runs seed, a first build and an incremental build with late rows; yields (db, reference)."""
    tmp_path = tmp_path_factory.mktemp("funnel_property")
    db_path = tmp_path / "funnel.duckdb"
    mp = pytest.MonkeyPatch()
    mp.setenv("KEYNODE_DUCKDB_PATH", str(db_path))
    mp.setenv("KEYNODE_DUCKDB_TEMP_DIR", str(tmp_path / "duckdb_tmp"))
    mp.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    mp.setenv("DO_NOT_TRACK", "1")

    rng = random.Random(20260301)
    rows = _random_events(rng, N_USERS, WINDOW_MINUTES)
    phase_1, phase_2 = _phases(rng, rows)
    assert phase_1 and phase_2

    # the funnel models (with the next moves), their tests and the two seeds they read; `cautious` leaves
    # out other models' tests
    selection = [
        "--select",
        "funnels",
        "funnel_nodes",
        "int_funnel_user_days",
        "int_funnel_next_moves",
        "int_funnel_conversions_bucketed",
        "int_funnel_user_days+,path:models/marts/funnels",
        "--indirect-selection",
        "cautious",
    ]
    _load(db_path, phase_1, replace=True)
    _dbt(["build", *selection], tmp_path)
    phase_1_reference = user_days([e for e, _ in phase_1], WINDOW_MINUTES)
    _assert_same_rows(_sql_user_days(db_path), _expected_user_days(phase_1_reference))

    _load(db_path, phase_2, replace=False)
    _dbt(["build", *selection], tmp_path)  # incremental: late rows for old days
    con = duckdb.connect(str(db_path))
    try:
        # per funnel date: (user-days recomputed by the incremental run, user-days)
        recomputed = {
            day: (n_new, n)
            for day, n_new, n in con.execute(
                "select funnel_date, count(*) filter (where processed_landed_date > ?), count(*)"
                " from main.int_funnel_user_days group by all",
                [PHASE_1_LAST_LANDED],
            ).fetchall()
        }
    finally:
        con.close()
    assert recomputed[FIRST_DAY][0] == 0  # untouched by the incremental run
    assert recomputed[FIRST_DAY + timedelta(days=1)][0] > 0  # affected only through the window
    # DuckDB recomputes single user-days: the touched dates are not rewritten whole
    assert sum(n_new for n_new, _ in recomputed.values()) < sum(n for _, n in recomputed.values())
    assert any(0 < n_new < n for n_new, n in recomputed.values())
    events = [e for e, _ in phase_1 + phase_2]
    yield db_path, user_days(events, WINDOW_MINUTES), tmp_path, events
    mp.undo()


def test_user_days_match_reference(warehouse):
    db_path, reference, _, _ = warehouse
    expected = _expected_user_days(reference)
    assert len(expected) > 3000
    assert max(v[0] for v in expected.values()) >= 8  # the data reaches deep into the funnel
    _assert_same_rows(_sql_user_days(db_path), expected)


def test_node_funnel_daily_matches_reference(warehouse):
    db_path, reference, _, _ = warehouse
    expected = node_funnel_daily(reference, FUNNEL_STEPS)
    con = duckdb.connect(str(db_path))
    try:
        rows = con.execute(
            """select funnel_key, funnel_date, node_step, users_reached, users_reached_previous,
                   step_conversion_rate, overall_conversion_rate, users_dropped
               from main.fct_node_funnel_daily"""
        ).fetchall()
        non_monotonic = con.execute(
            """select count(*) from main.fct_node_funnel_daily_by_segment
               where users_reached > users_reached_previous"""
        ).fetchone()[0]
        segment_total = con.execute(
            """select funnel_key, funnel_date, node_step, sum(users_reached)
               from main.fct_node_funnel_daily_by_segment group by all"""
        ).fetchall()
    finally:
        con.close()
    got = {r[:3]: r[3] for r in rows}
    assert got == expected
    assert {r[:3]: r[3] for r in segment_total} == expected
    assert non_monotonic == 0
    for funnel, day, step, reached, previous, step_rate, overall, dropped in rows:
        first = expected[(funnel, day, 1)]
        assert math.isclose(overall, reached / first)
        if step == 1:
            assert previous is None and step_rate is None and dropped is None
        else:
            assert previous == expected[(funnel, day, step - 1)] >= reached  # monotonic
            assert dropped == previous - reached
            assert step_rate is None if previous == 0 else math.isclose(step_rate, reached / previous)


def test_time_to_convert_matches_reference(warehouse):
    db_path, reference, _, _ = warehouse
    seconds: dict[tuple, list[float]] = defaultdict(list)
    for ud in reference.values():
        times = ud.step_reached_at
        for k in range(2, ud.max_step_reached + 1):
            delta = (times[k - 1] - times[k - 2]).total_seconds()
            seconds[(ud.funnel_key, ud.funnel_date, "adjacent", k - 1, k)].append(delta)
        n = FUNNEL_STEPS[ud.funnel_key]
        if ud.max_step_reached == n:
            seconds[(ud.funnel_key, ud.funnel_date, "end_to_end", 1, n)].append(
                (times[n - 1] - times[0]).total_seconds()
            )
    con = duckdb.connect(str(db_path))
    try:
        rows = con.execute(
            """select funnel_key, funnel_date, pair_type, from_step, to_step, users_converted,
                   median_seconds, p90_seconds from main.fct_funnel_time_to_convert"""
        ).fetchall()
        histogram = con.execute(
            """select funnel_key, funnel_date, pair_type, from_step, to_step, sum(users_converted)
               from main.fct_funnel_time_to_convert_histogram group by all"""
        ).fetchall()
    finally:
        con.close()
    got = {r[:5]: r[5:] for r in rows}
    assert set(got) == set(seconds)
    for key, values in seconds.items():
        count, median, p90 = got[key]
        assert count == len(values)
        assert math.isclose(median, float(np.percentile(values, 50)), abs_tol=1e-6)
        assert math.isclose(p90, float(np.percentile(values, 90)), abs_tol=1e-6)
    assert {r[:5]: r[5] for r in histogram} == {k: len(v) for k, v in seconds.items()}


def _sql_next_moves(db_path: Path) -> dict:
    con = duckdb.connect(str(db_path))
    try:
        rows = con.execute(
            """select funnel_key, funnel_date, user_key, node_step, next_node_step
               from main.int_funnel_next_moves"""
        ).fetchall()
    finally:
        con.close()
    return {r[:4]: r[4] for r in rows}


def test_next_moves_match_reference(warehouse):
    """int_funnel_next_moves (DuckDB: the funnel pass; built, then incrementally with late rows) gives
    the reference's next move from every node of every user-day."""
    db_path, reference, _, events = warehouse
    expected = next_moves(reference, events, WINDOW_MINUTES)
    assert len(expected) > 10000
    # both outcomes occur often: a next node within the window, and an exit
    assert (
        sum(v is None for v in expected.values()) > 1000
        and sum(v is not None for v in expected.values()) > 1000
    )
    _assert_same_rows(_sql_next_moves(db_path), expected)


def test_portable_sql_matches_reference(warehouse):
    """The default__ (portable) macros, forced on DuckDB, give the same user-days and next moves."""
    db_path, reference, tmp_path, events = warehouse
    _dbt(
        ["run", "--select", "int_funnel_user_days", "int_funnel_next_moves", "--full-refresh"],
        tmp_path,
        extra_vars=", keynode__funnel_portable_sql: true",
    )
    _assert_same_rows(_sql_user_days(db_path), _expected_user_days(reference))
    _assert_same_rows(_sql_next_moves(db_path), next_moves(reference, events, WINDOW_MINUTES))


def test_reference_matches_brute_force():
    """The reference's set recursion agrees with explicit enumeration of every chain on small inputs."""
    rng = random.Random(7)
    base = datetime(2026, 3, 1, 23, 0)
    for case in range(400):
        window = rng.choice([1, 2, 5])
        events = [
            Event(
                "f",
                "u",
                f"e{i}",
                base + timedelta(minutes=rng.choice([0, 0, 1, 2, 3, 4, 5, 60, 61])),
                rng.randint(1, 4),
            )
            for i in range(rng.randint(1, 9))
        ]
        got = user_days(events, window)
        for day in {e.event_date for e in events if e.node_step == 1}:
            assert got[("f", day, "u")].max_step_reached == brute_force_max_step(events, day, window), case
