"""The generator run: wires the collaborators together, runs the days and writes the manifest
(``keynode generate``, docs/raw_zone.md).

Writes ``<out>/<entity>/dt=YYYY-MM-DD/part-NNNN.parquet`` for every raw entity plus ``_manifest.json``
(the ground truth: expected staging counts, injected faults and the true size of every built-in
effect). The simulation is vectorised with numpy/Arrow and runs day by day in chunks of whole devices,
so memory stays bounded (about 2 GB at 100M events) and 10M events take well under a minute.

Who does what:

* ``world.World`` - everything fixed before the first day (options/params, catalog, population,
  marketing set-up, traffic, the fault calendar in faults);
* ``day.open_day`` - what holds for one day (stock, demand weights, guests, fault windows);
* ``visitors.Visitors`` - who visits today; ``planning.SessionPlanner`` - what each session will do;
* ``funnel.stock_cap`` - nobody carts what is sold out;
* ``emission.EventEmitter`` - plans to events (session_events, event_table), identity, effects,
  experiment assignments; ``delivery.Delivery`` - ingestion times, retries, the missing hour;
* ``orders.OrderBook`` - orders and lines; ``marketing.MarketingExposure`` - exposure rows and spend;
* ``inventory.Inventory`` - stock, snapshots, purchase orders;
* ``faults.FaultInjector`` - malformed rows (malformed) and the duplicated file;
* ``raw_output.RawOutput`` - the Parquet writers; ``manifest.build_manifest`` - the manifest.

Every collaborator draws from random streams keyed by the seed and the day (util.rng_for), in a fixed
order: the same seed and options always give the same files.

The command line is keynode.generator.command (``keynode generate --help``).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
from keynode.generator.day import Day, open_day
from keynode.generator.delivery import Delivery
from keynode.generator.emission import EventEmitter
from keynode.generator.event_table import EventTable
from keynode.generator.faults import FaultInjector
from keynode.generator.funnel import stock_cap
from keynode.generator.inventory import Inventory, expected_daily_units
from keynode.generator.manifest import build_manifest
from keynode.generator.marketing import MarketingExposure
from keynode.generator.options import Options, Seeds
from keynode.generator.orders import OrderBook
from keynode.generator.params import EVENTS_PER_USER_DAY, SESSIONS_PER_CHUNK
from keynode.generator.plan import Plan
from keynode.generator.planning import SessionPlanner
from keynode.generator.raw_output import RawOutput
from keynode.generator.traffic import day_multipliers
from keynode.generator.util import (
    MS_PER_DAY,
    MS_PER_HOUR,
    MS_PER_MINUTE,
    clear_output,
    day_str,
    grouped_rank,
    rng_for,
)
from keynode.generator.visitors import Visitors
from keynode.generator.world import World
from keynode.progress import Progress


class Generator:
    """One generator run: builds the world and the collaborators, runs the day loop, writes the
    manifest. ``tally`` collects the run's counts for the manifest effects."""

    def __init__(self, opts: Options, out: Path, quiet: bool = False):
        self.opts = opts
        self.out = out
        self.quiet = quiet
        self.world = world = World.build(opts)
        self.tally: Counter = Counter()
        self.faults = FaultInjector(opts, world.calendar, world.day_multiplier)
        self.raw = RawOutput(out, self.faults)
        self.inventory = Inventory(
            opts,
            world.catalog,
            expected_daily_units(world.base_sessions, world.catalog, world.marketing),
            world.surge_skus,
            world.calendar.surge_start,
            world.start_day,
            world.day_multiplier,
        )
        self.exposure = MarketingExposure(world, self.raw)
        self.orders = OrderBook(world, self.tally)
        self.visitors = Visitors(world, self.orders.units_sold)
        self.planner = SessionPlanner(world, self.tally)
        self.delivery = Delivery(world, self.raw.events, self.tally)
        self.emitter = EventEmitter(
            world,
            self.planner,
            self.orders,
            self.delivery,
            EventTable(world),
            self.raw,
            self.faults,
            self.tally,
        )

    def run(self) -> dict:
        """Generate the whole raw zone; returns the manifest."""
        t0 = time.perf_counter()
        self.progress = Progress("generate", total=self.opts.days, unit="days", enabled=not self.quiet)
        clear_output(self.out)
        self._write_catalog()
        for d in range(self.opts.days):
            self._run_day(d)
            self.raw.finalize(self.world.start_day + d)
        self.raw.finalize(None)
        duplicate = self.faults.duplicate_file(self.raw.events, self.out)
        manifest = build_manifest(self, duplicate)
        tmp = self.out / "_manifest.json.tmp"
        tmp.write_text(json.dumps(manifest, indent=2) + "\n")
        os.replace(tmp, self.out / "_manifest.json")
        (self.out / "_generating").unlink(missing_ok=True)
        self.seconds = time.perf_counter() - t0
        self.progress.close(f"{manifest['row_counts']['events']:,} events in {self.seconds:.1f} s")
        return manifest

    def _write_catalog(self) -> None:
        """The ``sku_catalog`` landing: one snapshot at the start date, ingested in its first hour."""
        rng = rng_for(self.opts.seed, 6)
        catalog = self.world.catalog
        start_ms = self.world.start_day * MS_PER_DAY
        ingested = start_ms + MS_PER_HOUR + rng.integers(0, 30 * MS_PER_MINUTE, catalog.n)
        self.raw.write_catalog(catalog.table(ingested), ingested, rng)

    def _run_day(self, d: int) -> None:
        """One business day: morning stock, journeys and sessions, chunks of events, orders, marketing
        and inventory."""
        seed = self.opts.seed
        rng = rng_for(seed, 10, d)
        received = self.inventory.morning(d)
        day = open_day(self.world, self.inventory, self.exposure, d, rng)
        journey_a, journey_b = self.visitors.journey_pairs(day, rng)
        visits = self.visitors.ordinary(day, journey_a, journey_b, rng)
        regular = self.planner.regular(day, visits, rng)
        journey_a_plan, journey_b_plan = self.planner.journeys(day, journey_a, journey_b, rng)
        # journey B sessions pay today too: they join the day's stock cap (their times are set later)
        both = Plan.concat([regular, journey_b_plan])
        day.stock_left = day.stock - stock_cap(both, day.stock)
        regular = both.take(np.arange(len(regular)))
        journey_b_plan = both.take(np.arange(len(regular), len(both)))
        self.exposure.report(day, regular, rng)

        for first, end in device_chunks(regular.dev, SESSIONS_PER_CHUNK):
            self.emitter.regular_chunk(day, regular.take(np.arange(first, end)), rng_for(seed, 11, d, first))
        if len(journey_a):
            self.emitter.journeys(day, journey_a_plan, journey_b_plan, rng_for(seed, 12, d))

        self.raw.write_parts("orders", day.order_parts, d, rng)
        self.raw.write_parts("order_lines", day.line_parts, d, rng)
        self.raw.write_parts("experiment_assignments", day.assignment_parts, d, rng)
        self.orders.close_day(day)
        self._close_inventory(day, received, rng)
        self.progress.advance(detail=f"{day_str(self.world.start_day + d)}: {len(regular):,} sessions")

    def _close_inventory(self, day: Day, received: pa.Table | None, rng) -> None:
        """Reserve the day's paid units, reorder, snapshot; write the day's purchase-order changes."""
        self.inventory.sell(day.units_paid, rng)
        ordered, snapshot = self.inventory.evening(day.index, self.inventory.available() <= 0)
        changes = [t for t in (received, ordered) if t is not None]
        if changes:
            po = pa.concat_tables(changes)
            self.raw.write("replenishment_orders", po, ingested_ms(po), day.index, rng)
        self.raw.write("inventory_snapshots", snapshot, ingested_ms(snapshot), day.index, rng)


def device_chunks(devices: np.ndarray, sessions_per_chunk: int) -> list[tuple[int, int]]:
    """[first, end) row ranges of sessions sorted by device, about ``sessions_per_chunk`` long, that
    never split a device: each boundary is the first device start at or after a multiple of it."""
    if len(devices) == 0:
        return []
    starts = np.flatnonzero(grouped_rank(devices) == 0)
    cut = np.searchsorted(starts, np.arange(sessions_per_chunk, len(devices), sessions_per_chunk))
    bounds = [0, *np.unique(starts[cut[cut < len(starts)]]).tolist(), len(devices)]
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def ingested_ms(tbl: pa.Table) -> np.ndarray:
    """The ``ingested_at`` column as epoch ms."""
    return tbl.column("ingested_at").cast(pa.int64()).to_numpy()


def users_for_events(events: int, seeds: Seeds, opts: Options) -> int:
    """Users needed for roughly ``events`` events over the run."""
    return max(200, int(round(events / (EVENTS_PER_USER_DAY * float(day_multipliers(seeds, opts).sum())))))
