"""Plain-Python reference implementation of keynode's windowed-funnel semantics.

Written independently of the SQL (macros/funnels) so that it can serve as an oracle in
`test_funnel_property.py`. It favours being obviously correct over being fast.

Definition (models/marts/funnels/_funnels__docs.md, `funnel_semantics`): a user reaches node k on
day d if there are events e1..ek of nodes 1..k with ts(e1) <= ts(e2) <= ... <= ts(ek) <= ts(e1) + W
and e1 on day d (UTC). Other events may occur in between; each event marks one node.

For a fixed first event e1 the set of node-k events that can end a valid chain e1..ek is

    R1 = {e1}
    Rk = {e of node k : ts(e) <= ts(e1) + W and ts(p) <= ts(e) for some p in R(k-1)}

(induction on k: e ends a valid chain iff some valid chain to node k-1 ends no later than e). The
user-day reaches max{k : Rk non-empty for some e1 on day d}.

The chain reported with its timestamps (`step_NN_reached_at`) starts at the latest node-1 event of the
day from which the maximum step is reachable; its step-k time is min ts over Rk (the earliest time any
valid chain from that start reaches node k).

`brute_force_max_step` enumerates every chain explicitly and is used to cross-check the set recursion on
small inputs.

`next_moves` is the reference of int_funnel_next_moves (doc `key_signal_next_move`): from every node k a
user-day's reported chain reaches, at time t_k, the next move is the user's funnel event with the smallest
key epoch_ms * 100 + node_step above epoch_ms(t_k) * 100 + k, counted when its key is at most
epoch_ms(t_1 + W) * 100 + 99 (its millisecond is within the chain's window), else the user-day exits there.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Event:
    """One row of `int_funnel_events` (only the columns the funnel logic reads)."""

    funnel_key: str
    user_key: str
    event_id: str
    event_ts: datetime
    node_step: int
    channel_group: str = "organic"
    platform: str = "app"
    is_new_user: bool = False
    member_tier: str = "none"

    @property
    def event_date(self) -> date:
        return self.event_ts.date()


@dataclass(frozen=True)
class UserDay:
    """One row of `int_funnel_user_days`."""

    funnel_key: str
    funnel_date: date
    user_key: str
    max_step_reached: int
    channel_group: str
    platform: str
    is_new_user: bool
    member_tier: str
    entry_event_id: str
    step_reached_at: tuple[datetime, ...]  # index k-1 holds the step-k time of the reported chain


def _reachable_sets(start: Event, later: list[Event], window: timedelta) -> list[list[Event]]:
    """[R1, R2, ...] for the chain starting at `start`, up to the last non-empty set."""
    deadline = start.event_ts + window
    sets = [[start]]
    step = 1
    while True:
        step += 1
        previous = sets[-1]
        current = [
            e
            for e in later
            if e.node_step == step
            and e.event_ts <= deadline
            and any(p.event_ts <= e.event_ts for p in previous)
        ]
        if not current:
            return sets
        sets.append(current)


def user_days(events: Iterable[Event], window_minutes: int) -> dict[tuple[str, date, str], UserDay]:
    """All user-days keyed by (funnel_key, funnel_date, user_key)."""
    window = timedelta(minutes=window_minutes)
    by_user: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for e in events:
        by_user[(e.funnel_key, e.user_key)].append(e)

    result: dict[tuple[str, date, str], UserDay] = {}
    for (funnel_key, user_key), user_events in by_user.items():
        starts_by_day: dict[date, list[Event]] = defaultdict(list)
        for e in user_events:
            if e.node_step == 1:
                starts_by_day[e.event_date].append(e)
        for day, starts in starts_by_day.items():
            entry = min(starts, key=lambda e: (e.event_ts, e.event_id))
            best_steps = 0
            best_start: datetime | None = None
            best_times: tuple[datetime, ...] = ()
            for start in starts:
                sets = _reachable_sets(start, user_events, window)
                steps = len(sets)
                times = tuple(min(e.event_ts for e in s) for s in sets)
                if steps > best_steps or (
                    steps == best_steps and best_start is not None and start.event_ts > best_start
                ):
                    best_steps, best_start, best_times = steps, start.event_ts, times
            result[(funnel_key, day, user_key)] = UserDay(
                funnel_key=funnel_key,
                funnel_date=day,
                user_key=user_key,
                max_step_reached=best_steps,
                channel_group=entry.channel_group,
                platform=entry.platform,
                is_new_user=entry.is_new_user,
                member_tier=entry.member_tier,
                entry_event_id=entry.event_id,
                step_reached_at=best_times,
            )
    return result


def brute_force_max_step(events: list[Event], day: date, window_minutes: int) -> int:
    """Max step for one user-day of one funnel by enumerating every chain (small inputs only)."""
    window = timedelta(minutes=window_minutes)
    by_step: dict[int, list[Event]] = defaultdict(list)
    for e in events:
        by_step[e.node_step].append(e)
    best = 0
    for start in (e for e in by_step[1] if e.event_date == day):
        best = max(best, 1)
        k = 2
        while by_step[k]:
            chains = itertools.product(*(by_step[j] for j in range(2, k + 1)))
            ok = any(
                all(a.event_ts <= b.event_ts for a, b in itertools.pairwise((start, *chain)))
                and chain[-1].event_ts <= start.event_ts + window
                for chain in chains
            )
            if not ok:
                break
            best = max(best, k)
            k += 1
    return best


def node_funnel_daily(
    days: dict[tuple[str, date, str], UserDay], funnel_steps: dict[str, int]
) -> dict[tuple[str, date, int], int]:
    """users_reached per (funnel_key, funnel_date, node_step), zero-filled for every node of the funnel."""
    reached: dict[tuple[str, date, int], int] = {}
    funnel_days = {(ud.funnel_key, ud.funnel_date) for ud in days.values()}
    for funnel_key, day in funnel_days:
        for step in range(1, funnel_steps[funnel_key] + 1):
            reached[(funnel_key, day, step)] = 0
    for ud in days.values():
        for step in range(1, min(ud.max_step_reached, funnel_steps[ud.funnel_key]) + 1):
            reached[(ud.funnel_key, ud.funnel_date, step)] += 1
    return reached


EPOCH = datetime(1970, 1, 1)


def epoch_ms(ts: datetime) -> int:
    """Milliseconds since 1970 of a naive UTC time, rounded down (as DuckDB's epoch_ms)."""
    return (ts - EPOCH) // timedelta(milliseconds=1)


def next_moves(
    days: dict[tuple[str, date, str], UserDay], events: Iterable[Event], window_minutes: int
) -> dict[tuple[str, date, str, int], int | None]:
    """{(funnel_key, funnel_date, user_key, node_step): next node or None} for every node each user-day
    of ``days`` (user_days' result) reaches; ``events`` are all the users' funnel events."""
    keys_by_user: dict[tuple[str, str], list[int]] = defaultdict(list)
    for e in events:
        keys_by_user[(e.funnel_key, e.user_key)].append(epoch_ms(e.event_ts) * 100 + e.node_step)
    window = timedelta(minutes=window_minutes)
    result: dict[tuple[str, date, str, int], int | None] = {}
    for (funnel_key, day, user_key), ud in days.items():
        keys = keys_by_user[(funnel_key, user_key)]
        window_end_key = epoch_ms(ud.step_reached_at[0] + window) * 100 + 99
        for step in range(1, ud.max_step_reached + 1):
            reached_key = epoch_ms(ud.step_reached_at[step - 1]) * 100 + step
            later = [k for k in keys if k > reached_key]
            following = min(later) if later else None
            result[(funnel_key, day, user_key, step)] = (
                following % 100 if following is not None and following <= window_end_key else None
            )
    return result
