"""The DuckDB funnel pass (keynode.udf.window_funnel, called by macro keynode_window_funnel) agrees with
the plain-Python reference (funnel_reference.py) on random event lists.

Runs the function as the models do: registered on a real in-memory DuckDB connection by the dbt-duckdb
plugin class, fed each user's packed events by DuckDB's `list` aggregate in the order they were drawn
(the function sorts them). Covers what the
warehouse-level property test (test_funnel_property.py) does not: windows longer than a day, times
before 1970, nodes beyond max_steps, and users whose events start no chain.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keynode.udf.plugin import Plugin

sys.path.insert(0, str(Path(__file__).resolve().parent))

from funnel_reference import Event, next_moves, user_days  # noqa: E402

MAX_STEPS = 5
BASES = [datetime(2026, 3, 1, 22, 0), datetime(1969, 12, 31, 22, 0)]
OFFSET_MINUTES = [0, 0, 1, 2, 5, 59, 60, 61, 119, 120, 121, 1439, 1440, 1441, 2880, 2881]


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    Plugin("keynode_udf", {}).configure_connection(connection)
    yield connection
    connection.close()


def _pass(con, function: str, events: list[Event], window_minutes: int) -> list[tuple]:
    """(user_key, result struct as a tuple) rows of the pass ``function`` over ``events``, fed as the
    models feed it: each user's packed events by DuckDB's `list` aggregate, nodes 1..MAX_STEPS."""
    con.execute("create or replace temp table events (user_key varchar, event_ts timestamp, node_step int)")
    if events:
        params = [(e.user_key, e.event_ts, e.node_step) for e in events]
        con.executemany("insert into events values (?, ?, ?)", params)
    rows = con.execute(
        f"""
        select user_key, unnest(result)
        from (
            select
                user_key,
                unnest({function}(
                    list(epoch_us(event_ts) * 128 + node_step), cast(? as bigint) * 60000000, ?
                )) as result
            from events
            where node_step between 1 and ?
            group by user_key
        )
        """,
        [window_minutes, MAX_STEPS, MAX_STEPS],
    ).fetchall()
    return rows


def _chains(con, events: list[Event], window_minutes: int) -> dict:
    """{(user_key, funnel_date): (max_step_reached, step times)} from keynode_window_funnel_chains."""
    rows = _pass(con, "keynode_window_funnel_chains", events, window_minutes)
    return {(user, day): (steps, tuple(times)) for user, day, steps, times in rows}


def _moves(con, events: list[Event], window_minutes: int) -> dict:
    """{(user_key, funnel_date, node_step): next_node_step} from keynode_window_funnel_next_moves."""
    rows = _pass(con, "keynode_window_funnel_next_moves", events, window_minutes)
    return {(user, day, step): following for user, day, step, following in rows}


event_lists = st.lists(
    st.tuples(
        st.sampled_from(["u1", "u2"]),
        st.sampled_from(OFFSET_MINUTES),
        st.integers(min_value=0, max_value=59),
        st.integers(min_value=1, max_value=MAX_STEPS + 1),  # MAX_STEPS + 1: a node the funnel ignores
    ),
    max_size=40,
)


@settings(max_examples=1000, deadline=None)
@given(
    rows=event_lists,
    base=st.sampled_from(BASES),
    window_minutes=st.sampled_from([1, 60, 120, 1440, 2880]),
)
def test_chains_match_reference(con, rows, base, window_minutes):
    events = [
        Event("f", user, f"e{i}", base + timedelta(minutes=minutes, seconds=seconds), step)
        for i, (user, minutes, seconds, step) in enumerate(rows)
    ]
    # the reference knows no max_steps: give it the events the model passes (nodes 1..MAX_STEPS)
    expected = {
        (key[2], key[1]): (day.max_step_reached, day.step_reached_at)
        for key, day in user_days([e for e in events if e.node_step <= MAX_STEPS], window_minutes).items()
        if day.max_step_reached >= 2  # start days reaching only node 1 come from the day entries
    }
    assert _chains(con, events, window_minutes) == expected


@settings(max_examples=1000, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["u1", "u2"]),
            st.sampled_from(OFFSET_MINUTES),
            st.integers(min_value=0, max_value=2),
            # microseconds: events of one millisecond in either order of time and node
            st.sampled_from([0, 1, 400, 999, 1000, 1001]),
            st.integers(min_value=1, max_value=MAX_STEPS + 1),
        ),
        max_size=40,
    ),
    base=st.sampled_from(BASES),
    window_minutes=st.sampled_from([1, 60, 1440, 2880]),
)
def test_next_moves_match_reference(con, rows, base, window_minutes):
    events = [
        Event(
            "f", user, f"e{i}", base + timedelta(minutes=minutes, seconds=seconds, microseconds=micros), step
        )
        for i, (user, minutes, seconds, micros, step) in enumerate(rows)
    ]
    funnel_events = [e for e in events if e.node_step <= MAX_STEPS]
    expected = {
        (user, day, step): following
        for (_, day, user, step), following in next_moves(
            user_days(funnel_events, window_minutes), funnel_events, window_minutes
        ).items()
    }
    assert _moves(con, events, window_minutes) == expected


def test_next_move_orders_one_milliseconds_events_by_key(con):
    """Hand-worked: node 1 reached at 22:00:00.000999; in the same millisecond a node-3 event at .000000
    and a node-2 event at .000400. Keys are per millisecond (epoch_ms * 100 + node), so both are above the
    reach point's (node 1), and the smallest, node 2, is the next move, although node 3 came first in
    microseconds. (Node 2 at .000400 is before the start, so the chain itself stays at node 1.)"""
    t = datetime(2026, 3, 1, 22, 0)
    events = [
        Event("f", "u1", "e1", t + timedelta(microseconds=999), 1),
        Event("f", "u1", "e2", t, 3),
        Event("f", "u1", "e3", t + timedelta(microseconds=400), 2),
    ]
    assert _moves(con, events, 60) == {("u1", t.date(), 1): 2}


def test_no_rows_and_null_lists(con):
    """An empty input gives no rows; a user whose list is NULL gets NULL, not an error."""
    assert _chains(con, [], 60) == {}
    got = con.execute("select keynode_window_funnel_chains(cast(null as bigint[]), 60000000, 3)").fetchone()
    assert got == (None,)
    assert _moves(con, [], 60) == {}
    got = con.execute(
        "select keynode_window_funnel_next_moves(cast(null as bigint[]), 60000000, 3)"
    ).fetchone()
    assert got == (None,)


def test_first_calls_from_several_threads_compile_the_pass_once(monkeypatch):
    """dbt threads run the two functions at the same time; the first calls must not compile twice (a
    second numba.njit of the compiled helper raised TypeError in a dbt unit-test run)."""
    from concurrent.futures import ThreadPoolExecutor

    from keynode.udf import window_funnel

    monkeypatch.setattr(window_funnel, "_kernel", None)
    monkeypatch.setattr(
        window_funnel, "_next_key", getattr(window_funnel._next_key, "py_func", window_funnel._next_key)
    )
    with ThreadPoolExecutor(4) as pool:
        kernels = list(pool.map(lambda _: window_funnel._compiled_kernel(), range(8)))
    assert all(kernel is kernels[0] for kernel in kernels)
    assert hasattr(window_funnel._next_key, "py_func")  # the helper compiled, once
