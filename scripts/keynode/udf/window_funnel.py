"""`keynode_window_funnel_chains`: ClickHouse's windowFunnel as one ordered pass per user, compiled with
numba, for the DuckDB version of macros/funnels/keynode_window_funnel.sql.

Input per (funnel_key, user_key): the list of the user's funnel events, each packed into one integer
``epoch_us(event_ts) * 128 + node_step``, in any order: the pass sorts each list first (by time, then
node: equal times count as in order). Sorting here, one user's few events at a time, is cheaper than
DuckDB's ordered `list` aggregate (at 10M events 0.3 s of the model's 4 s).
Output per user: one struct per start day whose best chain reaches node 2 or further: funnel_date,
max_step_reached and step_reached_at (the reported chain's time at nodes 1..max_step_reached). Start days
that reach only node 1 are left out; the caller reads those from the day entries.

The semantics are those of the portable SQL ladder (doc block `funnel_user_days_algorithm`): a user reaches
node k on day d when events e1..ek of nodes 1..k exist with ts(e1) <= ... <= ts(ek) <= ts(e1) + W and e1 a
node-1 event of day d (UTC). Per start day d the pass keeps, per node, the chain with the latest start
that has reached it so far (windowFunnel's state): a node-k event extends the node-(k-1) chain when it is
within that chain's start + W. When a later start replaces an earlier one at a node, it has reached that
node by then too and has the later deadline, so every extension still open to the earlier start is open
to it: keeping only the latest start loses nothing. The reported chain (the latest start reaching the
deepest node) carries, at each node, the first time that start reached it - the earliest time any valid
chain from it does, as the ladder reports.

`keynode_window_funnel_next_moves` (macro keynode_funnel_next_moves, int_funnel_next_moves) runs the same
pass and reports, per start day (node-1-only days too, reached at the day's last node-1 event, as
int_funnel_user_days reports them) and node k of the reported chain, the next move: the node of the user's
event with the smallest key epoch_ms * 100 + node_step above the reach point's, when that key is within
the chain's window (doc key_signal_next_move).
"""

from __future__ import annotations

import threading

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

STEP_BITS = 128  # node_step < 128 fits below the microseconds (the SQL macro allows at most 90 steps)
DAY_US = 86_400_000_000
NO_CHAIN = np.iinfo(np.int64).min  # "no chain at this node yet" (any real time, even before 1970, is larger)

RESULT_TYPE = pa.list_(
    pa.struct(
        [
            ("funnel_date", pa.date32()),
            ("max_step_reached", pa.int32()),
            ("step_reached_at", pa.list_(pa.timestamp("us"))),
        ]
    )
)
RESULT_SQL_TYPE = "STRUCT(funnel_date DATE, max_step_reached INTEGER, step_reached_at TIMESTAMP[])[]"
MOVES_TYPE = pa.list_(
    pa.struct([("funnel_date", pa.date32()), ("node_step", pa.int32()), ("next_node_step", pa.int32())])
)
MOVES_SQL_TYPE = "STRUCT(funnel_date DATE, node_step INTEGER, next_node_step INTEGER)[]"

_kernel = None
_COMPILE_LOCK = threading.Lock()


def _compiled_kernel():
    """The numba-compiled pass, compiled on first use (dbt runs that never call the function do not pay
    for numba) and cached on disk next to this file, or in numba's user-wide cache folder when that is
    read-only; with no writable folder at all it is compiled in memory for each process. dbt threads call
    the functions concurrently: one lock makes the first call compile once."""
    global _kernel, _next_key
    with _COMPILE_LOCK:
        if _kernel is None:
            import numba

            helper = getattr(_next_key, "py_func", _next_key)  # the Python function, never a dispatcher
            try:
                # the helper first: the pass calls it, and numba binds it when it compiles the pass
                _next_key = numba.njit(cache=True, nogil=True)(helper)
                _kernel = numba.njit(cache=True, nogil=True)(_chains)
            except RuntimeError:  # "cannot cache function ...: no locator available"
                _next_key = numba.njit(nogil=True)(helper)
                _kernel = numba.njit(nogil=True)(_chains)
    return _kernel


def _next_key(packed, lo, hi, reached_us, step):
    """The next move after reaching node ``step`` at ``reached_us`` (int_funnel_next_moves' rule, on
    millisecond keys epoch_ms * 100 + node_step): the smallest key of the user's sorted events
    packed[lo:hi] above epoch_ms(reached_us) * 100 + step, or NO_CHAIN when there is none. Events of one
    millisecond are in microsecond order, not key order, so that millisecond's events are all compared."""
    reached_ms = reached_us // 1000  # floor, as DuckDB's epoch_ms
    above = reached_ms * 100 + step
    j = lo + np.searchsorted(packed[lo:hi], reached_ms * 1000 * STEP_BITS)
    best = NO_CHAIN
    while j < hi:
        event_ms = (packed[j] // STEP_BITS) // 1000
        key = event_ms * 100 + packed[j] % STEP_BITS
        if event_ms == reached_ms:
            if key > above and (best == NO_CHAIN or key < best):
                best = key
        elif best != NO_CHAIN:
            break  # every later millisecond's key is larger
        else:  # the first later millisecond: its smallest key
            best = key
            j += 1
            while j < hi and (packed[j] // STEP_BITS) // 1000 == event_ms:
                key = event_ms * 100 + packed[j] % STEP_BITS
                if key < best:
                    best = key
                j += 1
            break
        j += 1
    return best


def _chains(
    offsets, packed, window_us, max_steps, out_list, out_day, out_steps, out_times, out_time_offsets,
    with_moves, mv_list, mv_day, mv_step, mv_next,
):  # fmt: skip
    """Fills the outputs for the users offsets[u]..offsets[u + 1] of ``packed``; returns the row count.
    out_list[u] is the number of rows of user u; row r's times are out_times[out_time_offsets[r]:...].
    Sorts each user's slice of ``packed`` in place first.
    With ``with_moves``, also one move row per start day and node its reported chain reaches (node-1-only
    days included, reached at the day's last node-1 event, as int_funnel_user_days reports them):
    mv_day, mv_step and mv_next (the next move's node, 0 = none within the window); mv_list[u] counts
    user u's rows."""
    st_start = np.empty(max_steps + 1, np.int64)
    st_times = np.empty((max_steps + 1, max_steps + 1), np.int64)
    n_rows = 0
    n_times = 0
    n_moves = 0
    for u in range(offsets.shape[0] - 1):
        lo = offsets[u]
        hi = offsets[u + 1]
        packed[lo:hi].sort()
        rows_before = n_rows
        moves_before = n_moves
        i = lo
        while i < hi:
            while i < hi and packed[i] % STEP_BITS != 1:  # the next node-1 event opens a start day
                i += 1
            if i >= hi:
                break
            first = i
            day = (packed[i] // STEP_BITS) // DAY_US
            last_start = packed[i] // STEP_BITS
            j = i
            while j < hi and (packed[j] // STEP_BITS) // DAY_US <= day:
                if packed[j] % STEP_BITS == 1:
                    last_start = packed[j] // STEP_BITS
                j += 1
            next_day_from = j
            for k in range(max_steps + 1):
                st_start[k] = NO_CHAIN
            deadline = last_start + window_us
            j = first
            while j < hi:
                ts = packed[j] // STEP_BITS
                if ts > deadline:
                    break
                step = packed[j] % STEP_BITS
                if step == 1:
                    if ts // DAY_US == day:
                        st_start[1] = ts
                        st_times[1, 1] = ts
                elif (
                    step <= max_steps
                    and st_start[step - 1] != NO_CHAIN
                    and st_start[step] != st_start[step - 1]  # the same start keeps its first time here
                    and ts <= st_start[step - 1] + window_us
                ):
                    st_start[step] = st_start[step - 1]
                    for q in range(1, step):
                        st_times[step, q] = st_times[step - 1, q]
                    st_times[step, step] = ts
                j += 1
            reached = 1
            for k in range(max_steps, 1, -1):
                if st_start[k] != NO_CHAIN:
                    reached = k
                    break
            if reached >= 2:
                out_day[n_rows] = day
                out_steps[n_rows] = reached
                out_time_offsets[n_rows] = n_times
                for q in range(1, reached + 1):
                    out_times[n_times] = st_times[reached, q]
                    n_times += 1
                n_rows += 1
            if with_moves:
                chain_start = st_times[reached, 1] if reached >= 2 else last_start
                window_end_key = ((chain_start + window_us) // 1000) * 100 + 99
                for q in range(1, reached + 1):
                    reached_us = st_times[reached, q] if reached >= 2 else last_start
                    key = _next_key(packed, lo, hi, reached_us, q)
                    mv_day[n_moves] = day
                    mv_step[n_moves] = q
                    mv_next[n_moves] = key % 100 if key != NO_CHAIN and key <= window_end_key else 0
                    n_moves += 1
            i = next_day_from
        out_list[u] = n_rows - rows_before
        if with_moves:
            mv_list[u] = n_moves - moves_before
    out_time_offsets[n_rows] = n_times
    return n_rows, n_moves


def _run_pass(events: pa.ListArray, window_us: pa.Array, max_steps: pa.Array, with_moves: bool):
    """Runs the compiled pass over every user's list; returns (n_rows, n_moves, outputs)."""
    window = int(pc.max(window_us).as_py())
    steps = int(pc.max(max_steps).as_py())
    offsets = events.offsets.to_numpy().astype(np.int64)
    values = events.values.to_numpy(zero_copy_only=False).astype(np.int64, copy=True)  # sorted in place
    capacity = max(int(np.count_nonzero(values % STEP_BITS == 1)), 1)  # a row per node-1 event at most
    moves = capacity * steps if with_moves else 1  # at most max_steps nodes per start day
    out = {
        "list": np.zeros(len(events), np.int32),
        "day": np.empty(capacity, np.int32),
        "steps": np.empty(capacity, np.int32),
        "times": np.empty(capacity * steps, np.int64),
        "time_offsets": np.empty(capacity + 1, np.int32),
        "mv_list": np.zeros(len(events), np.int32),
        "mv_day": np.empty(moves, np.int32),
        "mv_step": np.empty(moves, np.int32),
        "mv_next": np.empty(moves, np.int32),
    }
    n_rows, n_moves = _compiled_kernel()(
        offsets, values, window, steps, out["list"], out["day"], out["steps"], out["times"],
        out["time_offsets"], with_moves, out["mv_list"], out["mv_day"], out["mv_step"], out["mv_next"],
    )  # fmt: skip
    return n_rows, n_moves, out


def _per_user(rows: pa.Array, counts: np.ndarray, events: pa.ListArray) -> pa.ListArray:
    """``rows`` grouped into one list per user, user u having counts[u] of them."""
    list_offsets = np.zeros(len(counts) + 1, np.int32)
    np.cumsum(counts, out=list_offsets[1:])
    return pa.ListArray.from_arrays(pa.array(list_offsets), rows, mask=events.is_null())


def window_funnel_next_moves(events: pa.Array, window_us: pa.Array, max_steps: pa.Array) -> pa.Array:
    """The DuckDB arrow UDF of int_funnel_next_moves: per row of ``events`` (a user's packed events, any
    order), one struct per start day and node its reported chain reaches: funnel_date, node_step and
    next_node_step (the node of the user's next funnel event within the chain's window, else NULL)."""
    if isinstance(events, pa.ChunkedArray):
        events = events.combine_chunks()
    if len(events) == 0:
        return pa.array([], type=MOVES_TYPE)
    _, n_moves, out = _run_pass(events, window_us, max_steps, with_moves=True)
    next_step = out["mv_next"][:n_moves]
    moves = pa.StructArray.from_arrays(
        [
            pa.array(out["mv_day"][:n_moves]).cast(pa.date32()),
            pa.array(out["mv_step"][:n_moves]),
            pa.array(next_step, mask=next_step == 0),
        ],
        names=["funnel_date", "node_step", "next_node_step"],
    )
    return _per_user(moves, out["mv_list"], events)


def window_funnel_chains(events: pa.Array, window_us: pa.Array, max_steps: pa.Array) -> pa.Array:
    """The DuckDB arrow UDF: one list of chains per row of ``events`` (lists of packed events, any order)."""
    if isinstance(events, pa.ChunkedArray):
        events = events.combine_chunks()
    if len(events) == 0:
        return pa.array([], type=RESULT_TYPE)
    n_rows, _, out = _run_pass(events, window_us, max_steps, with_moves=False)
    n_times = int(out["time_offsets"][n_rows])
    times = pa.ListArray.from_arrays(
        pa.array(out["time_offsets"][: n_rows + 1]), pa.array(out["times"][:n_times]).cast(pa.timestamp("us"))
    )
    chains = pa.StructArray.from_arrays(
        [pa.array(out["day"][:n_rows]).cast(pa.date32()), pa.array(out["steps"][:n_rows]), times],
        names=["funnel_date", "max_step_reached", "step_reached_at"],
    )
    return _per_user(chains, out["list"], events)
