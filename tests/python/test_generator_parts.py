"""Contracts of single generator collaborators (keynode.generator), checked on a real small world.

The end-to-end behaviour of ``keynode generate`` is tested in test_generator.py against a recount of
the written files; these tests pin what one part promises to the others, with expected values worked
out here by hand or from the inputs, not from the part's own output.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from keynode.generator.day import open_day
from keynode.generator.delivery import Delivery
from keynode.generator.options import Options
from keynode.generator.run import Generator, device_chunks
from keynode.generator.util import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, PartitionedWriter, rng_for
from keynode.generator.visitors import MAX_VISITS_PER_DEVICE_DAY
from keynode.generator.world import World
from keynode.raw_zone.schemas import SCHEMAS

SMALL = {"seed": 5, "start_date": date(2026, 10, 5), "days": 4, "users": 1500, "skus": 80}


def test_device_chunks_cut_at_device_starts():
    """Devices 0,0,1,1,1,2,3,3 in chunks of ~3 sessions: device starts are rows 0, 2, 5, 6; the first
    start at or after row 3 is 5, at or after row 6 is 6."""
    devices = np.array([0, 0, 1, 1, 1, 2, 3, 3])
    assert device_chunks(devices, 3) == [(0, 5), (5, 6), (6, 8)]
    assert device_chunks(devices, 100) == [(0, 8)]
    assert device_chunks(np.array([4, 4, 4, 4]), 1) == [(0, 4)]  # one device is never split
    assert device_chunks(np.zeros(0, np.int64), 3) == []


def delivery_for(tmp_path, faults: bool) -> tuple[Delivery, World, PartitionedWriter, Counter]:
    world = World.build(Options(**SMALL, faults=faults))
    writer = PartitionedWriter(tmp_path, "events", SCHEMAS["events"], part_hours=6)
    tally: Counter = Counter()
    return Delivery(world, writer, tally), world, writer, tally


def test_delivery_drops_the_missing_hour_and_sorts_by_file(tmp_path):
    delivery, world, writer, tally = delivery_for(tmp_path, faults=False)
    day_start = world.start_day * MS_PER_DAY
    rng = np.random.default_rng(1)
    event_ms = np.sort(day_start + rng.integers(0, MS_PER_DAY, 5000))
    missing = (day_start + 14 * MS_PER_HOUR, day_start + 15 * MS_PER_HOUR)
    in_missing_hour = (event_ms >= missing[0]) & (event_ms < missing[1])

    rows, ingested, is_retry = delivery.deliver(event_ms, missing, rng_for(5, 99))

    assert not is_retry.any(), "no client retries without faults"
    assert sorted(rows.tolist()) == np.flatnonzero(~in_missing_hour).tolist()  # every other event, once
    assert (ingested - event_ms[rows] >= 200).all()  # lag is at least 200 ms
    key = writer.file_key(ingested)
    assert (key[1:] >= key[:-1]).all(), "rows come in output-file order"
    assert tally["missing_hour_rows"] == int(in_missing_hour.sum())
    assert tally["events_valid"] == len(rows)
    assert delivery.delivered[0] == len(rows) and delivery.delivered[1:].sum() == 0


def test_delivery_retries_repeat_events_later(tmp_path):
    delivery, world, _, tally = delivery_for(tmp_path, faults=True)
    day_start = world.start_day * MS_PER_DAY
    event_ms = day_start + np.arange(0, 20_000) * 4_000  # 20,000 events, 4 s apart

    rows, ingested, is_retry = delivery.deliver(event_ms, None, rng_for(5, 98))

    originals = rows[~is_retry]
    assert sorted(originals.tolist()) == list(range(len(event_ms)))
    assert 0 < is_retry.sum() < 0.01 * len(event_ms)  # designed share 0.2%
    first_ingested = dict(zip(rows[~is_retry].tolist(), ingested[~is_retry].tolist(), strict=True))
    for row, at in zip(rows[is_retry].tolist(), ingested[is_retry].tolist(), strict=True):
        assert first_ingested[row] + 1_000 <= at <= first_ingested[row] + 30 * MS_PER_MINUTE
    assert tally["retries"] == int(is_retry.sum())


@pytest.fixture(scope="module")
def generator(tmp_path_factory) -> Generator:
    return Generator(Options(**SMALL), tmp_path_factory.mktemp("gen") / "raw", quiet=True)


def test_first_day_visits(generator):
    """Day 0: journey devices have no other visit; a device visits only once active, a new device at
    least once on its first day, nobody more than the cap; no viral visitors before the surge;
    visits are sorted by device then desired start, inside the day."""
    world, d = generator.world, 0
    population = world.population
    rng = rng_for(world.opts.seed, 10, d)
    day = open_day(world, generator.inventory, generator.exposure, d, rng)
    journey_a, journey_b = generator.visitors.journey_pairs(day, rng)
    assert (population.xd_partner[journey_a] == journey_b).all()
    assert not population.logged_in[journey_a].any()
    # the 200 most frequent returning visitors stand in for journey devices: none of them may visit
    frequent = np.argsort(-population.rate * (population.first_day < 0), kind="stable")[:200]
    visits = generator.visitors.ordinary(day, frequent[:100], frequent[100:], rng)

    assert not np.isin(visits.device, frequent).any()
    per_device = np.bincount(visits.device, minlength=population.n_dev)
    assert per_device.max() <= MAX_VISITS_PER_DEVICE_DAY
    assert (per_device[population.first_day > d] == 0).all()
    assert (per_device[population.first_day == d] >= 1).all()
    assert (visits.viral_sku == -1).all()
    order = np.lexsort((visits.desired_start, visits.device))
    assert (order == np.arange(len(order))).all()
    assert (visits.desired_start >= day.start_ms).all()
    assert (visits.desired_start < day.start_ms + MS_PER_DAY).all()

    # on a day with 50x the traffic the cap binds
    none = np.zeros(0, np.int64)
    crowded = generator.visitors.ordinary(replace(day, traffic_multiplier=50.0), none, none, rng)
    assert np.bincount(crowded.device).max() == MAX_VISITS_PER_DEVICE_DAY
