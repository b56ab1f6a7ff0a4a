"""keynode run's rebuild decision for a landing date far after the newest built (keynode.raw_zone.deliveries):
it rebuilds only when landing dates in between are still to come and would fall before the next window.

Real files in a temporary raw zone (the decision reads their size and modification time); the expected
decisions are worked out by hand from the rule: the next window starts at newest - lookback, and a
missing landing date after the newest built and before that start would arrive "old".
"""

from __future__ import annotations

from datetime import date

from keynode.raw_zone import deliveries
from keynode.raw_zone.preflight import Inventory, RawFile


def inventory(root, days: list[str]) -> Inventory:
    inv = Inventory(root)
    for day in days:
        path = root / "events" / f"dt={day}" / "part-0000.parquet"
        if not path.exists():  # a file already written stays untouched (rewritten, it would be a re-delivery)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"events of " + day.encode())
        inv.files.append(RawFile("events", date.fromisoformat(day), path, 1))
    return inv


def decide(tmp_path, built: list[str], arriving: list[str], lookback_days: int) -> deliveries.Decision:
    previous = deliveries.snapshot(inventory(tmp_path, built))
    return deliveries.decide(inventory(tmp_path, built + arriving), previous, lookback_days)


def test_a_weekend_delivered_on_monday_stays_incremental(tmp_path):
    # built until Friday 10-16; Saturday, Sunday and Monday land together; lookback 1
    decision = decide(tmp_path, ["2026-10-15", "2026-10-16"], ["2026-10-17", "2026-10-18", "2026-10-19"], 1)
    assert decision == deliveries.Decision(False, [])


def test_a_jump_over_days_still_to_come_rebuilds(tmp_path):
    # only Monday 10-19 lands: with lookback 1 the next window starts at 10-18, so of the missing 10-17
    # and 10-18 only 10-17 would arrive old (with a window start of 10-19, both would)
    decision = decide(tmp_path, ["2026-10-15", "2026-10-16"], ["2026-10-19"], 1)
    assert decision.full_refresh
    assert decision.reasons == [
        "a landing date 2026-10-19 far after the newest built (2026-10-16): 1 landing date(s) in between "
        "have not arrived (from 2026-10-17) and would fall before the incremental window when they do"
    ]
    assert deliveries.missing_landing_dates(
        deliveries.snapshot(inventory(tmp_path, ["2026-10-16", "2026-10-19"])),
        date(2026, 10, 16),
        date(2026, 10, 19),
    ) == [date(2026, 10, 17), date(2026, 10, 18)]


def test_a_jump_within_the_lookback_stays_incremental(tmp_path):
    # lookback 3: the next window starts at 10-16, so 10-17 and 10-18 arriving later are inside it
    decision = decide(tmp_path, ["2026-10-15", "2026-10-16"], ["2026-10-19"], 3)
    assert decision == deliveries.Decision(False, [])
