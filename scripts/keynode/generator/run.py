"""The generator run: world set-up, the day loop and the manifest (``keynode generate``, docs/raw_zone.md).

Writes ``<out>/<entity>/dt=YYYY-MM-DD/part-NNNN.parquet`` for every raw entity plus ``_manifest.json``
(the ground truth: expected staging counts, injected faults and the true size of every built-in
effect). The simulation is vectorised with numpy/Arrow and runs day by day in chunks of whole devices,
so memory stays bounded (about 2 GB at 100M events) and 10M events take well under a minute.

Modules: ``options`` / ``params`` (run options, seed lookups, designed parameters), ``catalog``,
``population``, ``marketing``, ``inventory``, ``traffic`` (the world), ``faults`` (fault calendar),
``malformed`` (malformed rows), ``session_template`` / ``plan`` / ``funnel`` / ``session_events``
(session plans, the 17-node walk, expansion into events), ``event_table`` (event columns built from
codes), ``manifest`` (the manifest), ``util`` (vectorised string builders, Parquet writer). This module
runs the days.

The command line is keynode.generator.command (``keynode generate --help``).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
from keynode.generator.catalog import Catalog
from keynode.generator.event_table import build_properties, page_load
from keynode.generator.faults import plan_faults, step_factors
from keynode.generator.funnel import SLOW_ATC_FACTOR, STEP_P, TREATMENT_ATC_LIFT, stock_cap, walk_depth
from keynode.generator.inventory import Inventory
from keynode.generator.malformed import ENTITY_CLASSES, REASONS, MalformedQuota, inject
from keynode.generator.manifest import build_manifest
from keynode.generator.marketing import Marketing
from keynode.generator.options import Options, Seeds, start_epoch_day
from keynode.generator.params import (
    CAMPAIGNS,
    CANCEL_SHARE,
    COUPON_PCT,
    COUPONS,
    EVENTS_PER_USER_DAY,
    HOUR_WEIGHTS,
    JOURNEY_RATE,
    LATE_1_2_DAYS_SHARE,
    LATE_DAY_SHARE,
    OPEN_SHARE,
    ORGANIC_UTM,
    OUTAGE_SHARE,
    PAID_MEDIUM_SHARE,
    PENDING_EXPIRE_SHARE,
    PLATFORMS,
    PRODUCT_EVENTS,
    REFUND_SHARE,
    REMIND_SHARE,
    RETRY_SHARE,
    RETURN_IF_NOT_OPENED,
    RETURN_IF_OPENED,
    RETURN_UNREMINDED,
    SESSIONS_PER_CHUNK,
    SLOW_SHARE,
    VARIANTS,
    VIRAL_ATC_P,
)
from keynode.generator.plan import Plan, SessionEvents, make_labels
from keynode.generator.population import Population, expected_sessions_per_day
from keynode.generator.session_events import expand, resolve_starts
from keynode.generator.session_template import (
    COUPON_VALUES_AT,
    EVENT_PROPERTY_KIND,
    FEATURE_VALUES_AT,
    FEATURES,
    GAP_BETWEEN_SESSIONS_MS,
    KIND_JOURNEY_A,
    KIND_JOURNEY_B,
    KIND_JOURNEY_LOGIN,
    KIND_PUSH,
    KIND_PUSH_BOUNCE,
    KIND_REGULAR,
    KIND_RETURN,
    N_EXTRA_ITEMS,
    N_OTHER_PRODUCTS,
    PAGES,
    PROPERTY_KIND_CODE,
    SLOT_CODE,
    TIER_VALUES_AT,
    VARIANT_VALUES_AT,
    VERSION_VALUES_AT,
)
from keynode.generator.traffic import (
    day_multipliers,
    promo_multipliers,
    surge_demand_multiplier,
    surge_spend_multiplier,
)
from keynode.generator.util import (
    MS_PER_DAY,
    MS_PER_HOUR,
    MS_PER_MINUTE,
    MS_PER_SECOND,
    FileStats,
    PartitionedWriter,
    TableSampler,
    categorical,
    clear_output,
    date32,
    day_of,
    day_str,
    fixed_ids,
    grouped_rank,
    iso_ms,
    rng_for,
    sample_cdf,
    ts_ms,
    uuid_like,
)
from keynode.progress import Progress
from keynode.raw_zone.schemas import ENTITIES, SCHEMAS


@dataclass
class DayCtx:
    """Everything a day's sessions need to know about that day."""

    d: int
    day_start: int
    mult: float
    promo: bool
    step_factor: np.ndarray  # factor per node step (index 0..17), the conversion_drop faults
    sku_w: np.ndarray
    row_w: np.ndarray
    avail: np.ndarray
    remaining: np.ndarray
    guest_dev: np.ndarray
    outage: tuple[int, int] | None
    missing: tuple[int, int] | None
    late_day: bool
    units: np.ndarray
    sku_sampler: TableSampler
    orders: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    assignments: list = field(default_factory=list)
    first_chunk_done: bool = False


class Generator:
    """One generator run: world set-up, the day loop, and the manifest."""

    def __init__(self, opts: Options, out: Path, quiet: bool = False):
        self.opts = opts
        self.out = out
        self.quiet = quiet
        self.seeds = Seeds.load()
        self.lab = make_labels(self.seeds.event_names)
        self.EV = self.lab.event_codes
        self.start_day = start_epoch_day(opts)
        self.end_ms = (self.start_day + opts.days) * MS_PER_DAY
        self.cat = Catalog.build(opts, self.start_day)
        self.pop = Population.build(opts)
        self.mkt = Marketing.build(opts, self.cat, self.start_day)
        self.fp = plan_faults(self.seeds, opts)
        self.day_mult = day_multipliers(self.seeds, opts)
        self.promo_mult, self.promos = promo_multipliers(self.seeds, opts)
        self.surge = self.mkt.surge_skus if self.fp.surge_start is not None else np.zeros(0, np.int64)
        self.base_sessions = expected_sessions_per_day(self.pop, opts)
        p_atc = VIRAL_ATC_P * (1 - SLOW_SHARE * (1 - SLOW_ATC_FACTOR)) * (1 + TREATMENT_ATC_LIFT / 2)
        self.units_per_viral_session = p_atc * float(np.prod([STEP_P[k] for k in range(8, 18)])) * 1.23
        self.inv = Inventory(
            opts,
            self.cat,
            self._expected_units(),
            self.surge,
            self.fp.surge_start,
            self.start_day,
            self.day_mult,
        )
        self.writers = {
            e: PartitionedWriter(out, e, SCHEMAS[e], part_hours=6 if e == "events" else None)
            for e in ENTITIES
        }
        self.next_order = 1
        self.page_view = np.zeros(len(self.lab.events), bool)
        for e in self.seeds.page_view_events:
            self.page_view[self.EV[e]] = True
        self.product_ev = np.zeros(len(self.lab.events), bool)
        for e in PRODUCT_EVENTS:
            self.product_ev[self.EV[e]] = True
        self.prop_kind = np.full(len(self.lab.events), PROPERTY_KIND_CODE["empty"], np.int8)
        for e, k in EVENT_PROPERTY_KIND.items():
            self.prop_kind[self.EV[e]] = PROPERTY_KIND_CODE[k]
        self.camp_medium = np.array([self.lab.media.index(c[2]) for c in CAMPAIGNS])
        self.src_direct = self.lab.sources.index("direct")
        self.med_none = self.lab.media.index("none")
        self.stats: dict[str, float] = {}
        self.sku_units = np.zeros((opts.days, self.cat.n), np.int64)
        self.mkt_spend = np.zeros((opts.days, self.cat.n))
        self.quota = (
            MalformedQuota(rng_for(opts.seed, 5), opts.days, self._malformed_targets())
            if opts.faults
            else None
        )

    # ---------------------------------------------------------------------------------------------
    def _bump(self, key: str, v: float = 1) -> None:
        """Add to a run statistic (for the manifest effects)."""
        self.stats[key] = self.stats.get(key, 0) + v

    def _expected_units(self) -> np.ndarray:
        """Prior expected paid units per SKU per normal day (sizes initial stock and reorder points).

        Main products come from organic popularity or, for paid and email sessions, from the promoted
        rows (by weight); extra cart items follow popularity.
        """
        p_paid = float(np.prod([STEP_P[k] for k in range(2, 18)]))
        p_paid *= 1 - SLOW_SHARE * (1 - SLOW_ATC_FACTOR)
        paying = self.base_sessions * p_paid
        cat, mkt = self.cat, self.mkt
        pop_w = cat.popularity * cat.listed
        pop_w = pop_w / pop_w.sum()
        p_org = sum(w for _, _, w in ORGANIC_UTM)
        total = p_org + sum(PAID_MEDIUM_SHARE.values())
        share = pop_w * p_org / total
        med_of_row = np.array([CAMPAIGNS[c][2] for c in mkt.row_campaign])
        for m, w in PAID_MEDIUM_SHARE.items():
            rows = np.flatnonzero(med_of_row == m)
            if len(rows):
                rw = mkt.row_weight[rows] * cat.listed[mkt.row_sku[rows]]
                if rw.sum() > 0:
                    share += (
                        np.bincount(mkt.row_sku[rows], weights=rw / rw.sum(), minlength=cat.n) * w / total
                    )
                    continue
            share += pop_w * w / total
        mean_qty = 1.23
        self.main_share = share
        return paying * mean_qty * (share + 0.30 * pop_w)

    def _malformed_targets(self) -> dict[str, dict[str, int]]:
        """Malformed rows to inject per (entity, reason): 50-300 for events (scales with the run),
        60-100 for the other entities."""
        est_events = EVENTS_PER_USER_DAY * self.opts.users * float(self.day_mult.sum())
        n_ev = int(np.clip(round(est_events * 5e-5), 50, 300))
        out = {"events": dict.fromkeys(ENTITY_CLASSES["events"], n_ev)}
        for e, classes in ENTITY_CLASSES.items():
            if e in ("events", "sku_catalog"):
                continue
            out[e] = dict.fromkeys(classes, 60 if e != "inventory_snapshots" else 100)
        return out

    # ---------------------------------------------------------------------------------------------
    def run(self) -> dict:
        """Generate the whole raw zone; returns the manifest."""
        t0 = time.perf_counter()
        self.progress = Progress("generate", total=self.opts.days, unit="days", enabled=not self.quiet)
        clear_output(self.out)
        self._write_catalog()
        for d in range(self.opts.days):
            self._day(d)
            for w in self.writers.values():
                w.finalize(self.start_day + d)
        for w in self.writers.values():
            w.finalize(None)
        dup = self._duplicate_file()
        manifest = build_manifest(self, dup)
        tmp = self.out / "_manifest.json.tmp"
        tmp.write_text(json.dumps(manifest, indent=2) + "\n")
        os.replace(tmp, self.out / "_manifest.json")
        (self.out / "_generating").unlink(missing_ok=True)
        self.seconds = time.perf_counter() - t0
        self.progress.close(f"{manifest['row_counts']['events']:,} events in {self.seconds:.1f} s")
        return manifest

    # ---------------------------------------------------------------------------------------------
    def _write_catalog(self) -> None:
        """The ``sku_catalog`` landing (one snapshot at the start date) plus its malformed copies."""
        rng = rng_for(self.opts.seed, 6)
        ing = self.start_day * MS_PER_DAY + MS_PER_HOUR + rng.integers(0, 30 * MS_PER_MINUTE, self.cat.n)
        tbl = self.cat.table(ing)
        reasons = np.full(tbl.num_rows, -1, np.int8)
        if self.opts.faults:
            q = MalformedQuota(rng, 1, {"sku_catalog": {"missing_id": 50, "invalid_price": 50}})
            bad = inject("sku_catalog", tbl, ing, q, 0, rng)
            self._catalog_malformed = q.done
            tbl, ing, reasons = self._append(tbl, ing, reasons, bad)
        self.writers["sku_catalog"].write(tbl, ing, reasons, REASONS)

    @staticmethod
    def _append(tbl, ing, reasons, bad):
        """Append injected rows (table, ingested ms, reason codes) to a batch."""
        if bad is None:
            return tbl, ing, reasons
        btbl, bing, breasons = bad
        return (
            pa.concat_tables([tbl, btbl.cast(tbl.schema)]),
            np.concatenate([ing, bing]),
            np.concatenate([reasons, breasons]),
        )

    def _write(self, entity: str, tbl: pa.Table | None, ing: np.ndarray | None, d: int, rng) -> None:
        """Write a day's rows of a non-event entity, adding today's malformed copies."""
        if tbl is None or tbl.num_rows == 0:
            return
        tbl = tbl.select(SCHEMAS[entity].names).cast(SCHEMAS[entity])
        reasons = np.full(tbl.num_rows, -1, np.int8)
        if self.quota is not None:
            tbl, ing, reasons = self._append(tbl, ing, reasons, inject(entity, tbl, ing, self.quota, d, rng))
        self.writers[entity].write(tbl, ing, reasons, REASONS)

    # ---------------------------------------------------------------------------------------------
    def _day(self, d: int) -> None:
        """One business day: morning stock, journeys and sessions, chunks of events, orders, marketing
        and inventory."""
        opts, pop, cat = self.opts, self.pop, self.cat
        rng = rng_for(opts.seed, 10, d)
        day_abs = self.start_day + d
        day_start = day_abs * MS_PER_DAY
        po_rows = [self.inv.morning(d)]
        avail = self.inv.available().astype(np.int64)
        launched = cat.launched_day <= day_abs
        k = d - self.fp.surge_start if self.fp.surge_start is not None else -1
        sku_w = cat.popularity * cat.listed * launched
        row_ok = (cat.listed & launched)[self.mkt.row_sku]
        row_w = self.mkt.row_weight * row_ok
        if len(self.surge):
            row_w[np.isin(self.mkt.row_sku, self.surge)] *= surge_spend_multiplier(k)
        self._sku_w_today = sku_w
        fp = self.fp
        outage = missing = None
        if fp.outage and fp.outage[0] == d:
            outage = (day_start + fp.outage[1] * MS_PER_HOUR, day_start + (fp.outage[1] + 1) * MS_PER_HOUR)
        if fp.missing_hour and fp.missing_hour[0] == d:
            missing = (
                day_start + fp.missing_hour[1] * MS_PER_HOUR,
                day_start + (fp.missing_hour[1] + 1) * MS_PER_HOUR,
            )
        registering = (pop.first_day == d) & pop.registers
        guest_dev = (pop.owner < 0) | (~pop.logged_in & ~registering & (rng.random(pop.n_dev) < 0.15))
        ctx = DayCtx(
            d=d,
            day_start=day_start,
            mult=float(self.day_mult[d]),
            promo=self.promo_mult[d] > 1,
            step_factor=step_factors(fp, d),
            sku_w=sku_w,
            row_w=row_w,
            avail=avail,
            remaining=avail.copy(),
            guest_dev=guest_dev,
            outage=outage,
            missing=missing,
            late_day=fp.late_day == d,
            units=np.zeros(cat.n, np.int64),
            sku_sampler=TableSampler(sku_w),
        )

        # --- cross-device journeys (their devices have no other session today) ---
        exp_sessions = self.base_sessions * ctx.mult
        a_all = np.flatnonzero(pop.xd_partner >= 0)
        cand = a_all[~pop.xd_used[a_all] & ~pop.logged_in[a_all]]
        n_j = int(min(len(cand), rng.poisson(JOURNEY_RATE * exp_sessions)))
        jA = np.sort(rng.choice(cand, n_j, replace=False)) if n_j else np.zeros(0, np.int64)
        jB = pop.xd_partner[jA]

        # --- ordinary sessions ---
        active = pop.first_day <= d
        counts = rng.poisson(pop.rate * ctx.mult * active)
        first = pop.first_day == d
        counts[first] = np.maximum(counts[first], 1)
        counts[jA] = 0
        counts[jB] = 0
        counts = np.minimum(counts, 6)
        dev = np.repeat(np.arange(pop.n_dev), counts)
        viral = np.full(len(dev), -1, np.int64)
        if len(self.surge) and k >= 0:
            # sku_surge: extra visitors (social buzz) land on the surge SKUs, (m - 1) x their usual traffic
            # Viral visitors come for that product: they select it and usually add it to the cart;
            # enough of them that the SKU's expected units are m x its daily sales of the week before.
            S0 = self.fp.surge_start
            base = np.maximum(self.sku_units[max(S0 - 7, 0) : S0, self.surge].sum(axis=0), 3) / 7.0
            lam = (surge_demand_multiplier(k) - 1) * base / self.units_per_viral_session
            nv = rng.poisson(lam)
            vdev = sample_cdf(rng, pop.rate * active * (counts > 0), int(nv.sum()))
            dev = np.concatenate([dev, vdev])
            viral = np.concatenate([viral, np.repeat(self.surge, nv)])
        desired = (
            day_start
            + sample_cdf(rng, HOUR_WEIGHTS, len(dev)) * MS_PER_HOUR
            + rng.integers(0, MS_PER_HOUR, len(dev))
        )
        order = np.lexsort((desired, dev))
        dev, desired, viral = dev[order], desired[order], viral[order]
        preg = self._plan_regular(rng, ctx, dev, desired, grouped_rank(dev) == 0, viral)

        # --- journey B plans join the day's stock cap (their final times are set later) ---
        pA, pB = self._plan_journeys(rng, ctx, jA, jB)
        both = Plan.concat([preg, pB])
        sold = stock_cap(both, avail)
        ctx.remaining = avail - sold
        preg = both.take(np.arange(len(preg)))
        pB = both.take(np.arange(len(preg), len(both)))
        self._marketing(ctx, preg, rng)

        # --- chunks of whole devices ---
        starts = np.flatnonzero(grouped_rank(preg.dev) == 0) if len(preg) else np.zeros(0, np.int64)
        # chunk boundaries: the first device start at or after every SESSIONS_PER_CHUNK sessions
        cut = np.searchsorted(starts, np.arange(SESSIONS_PER_CHUNK, len(preg), SESSIONS_PER_CHUNK))
        bounds = [0, *np.unique(starts[cut[cut < len(starts)]]).tolist(), len(preg)]
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            if b > a:
                self._regular_chunk(ctx, preg.take(np.arange(a, b)), rng_for(opts.seed, 11, d, a))
        if n_j:
            self._journey_chunk(ctx, pA, pB, rng_for(opts.seed, 12, d))

        # --- orders, lines, assignments of the day ---
        for entity, parts in (
            ("orders", ctx.orders),
            ("order_lines", ctx.lines),
            ("experiment_assignments", ctx.assignments),
        ):
            if parts:
                tbl = pa.concat_tables([p[0] for p in parts])
                ing = np.concatenate([p[1] for p in parts])
                self._write(entity, tbl, ing, d, rng)

        # --- inventory ---
        self.sku_units[d] = ctx.units
        self.inv.sell(ctx.units, rng)
        ordered, snap = self.inv.evening(d, self.inv.available() <= 0)
        po_rows = [t for t in po_rows + [ordered] if t is not None]
        if po_rows:
            po = pa.concat_tables(po_rows)
            self._write(
                "replenishment_orders", po, po.column("ingested_at").cast(pa.int64()).to_numpy(), d, rng
            )
        self._write(
            "inventory_snapshots", snap, snap.column("ingested_at").cast(pa.int64()).to_numpy(), d, rng
        )
        self.progress.advance(detail=f"{day_str(day_abs)}: {len(preg):,} sessions")

    # ---------------------------------------------------------------------------------------------
    def _fill_random(self, p: Plan, rng, ctx: DayCtx) -> None:
        """Random browsing behaviour shared by every kind of session."""
        n = len(p)
        c = p.columns
        EV = self.EV
        c["qty"] = rng.choice([1, 2, 3], n, p=[0.82, 0.13, 0.05]).astype(np.int16)
        c["n_other"] = np.minimum(rng.poisson(0.9, n), N_OTHER_PRODUCTS).astype(np.int8)
        c["other"] = ctx.sku_sampler.sample(rng, n * N_OTHER_PRODUCTS).reshape(n, N_OTHER_PRODUCTS)
        u = rng.random((n, N_OTHER_PRODUCTS))
        off = np.full((n, N_OTHER_PRODUCTS), -1, np.int16)
        off[u < 0.08] = EV["review_view"]
        off[(u >= 0.08) & (u < 0.12)] = EV["add_to_favourites"]
        off[(u >= 0.12) & (u < 0.14)] = EV["share"]
        c["off_path"] = off
        c["review"] = rng.random(n) < 0.15
        u = rng.random(n)
        c["fav"] = np.where(u < 0.05, EV["add_to_favourites"], np.where(u < 0.07, EV["share"], -1)).astype(
            np.int16
        )
        c["browse"] = np.where(rng.random(n) < 0.55, EV["search"], EV["category_view"]).astype(np.int16)
        c["browse_rep"] = rng.random(n) < 0.25
        c["n_extra"] = rng.choice([0, 1, 2], n, p=[0.72, 0.20, 0.08]).astype(np.int8)
        c["extra"] = ctx.sku_sampler.sample(rng, n * N_EXTRA_ITEMS).reshape(n, N_EXTRA_ITEMS)
        c["extra_qty"] = rng.choice([1, 2, 3], (n, N_EXTRA_ITEMS), p=[0.82, 0.13, 0.05]).astype(np.int16)
        c["cart_rep"] = rng.random(n) < 0.25
        c["claims_coupon"] = rng.random(n) < (0.12 if ctx.promo else 0.04)
        c["guest"] = ctx.guest_dev[c["dev"]]
        # coupon used on the order
        u = rng.random(n)
        use = c["claims_coupon"] | (u < (0.35 if ctx.promo else 0.12))
        code = np.where(
            ctx.promo, 3, np.where(self.pop.is_new[c["dev"]], 2, np.where(rng.random(n) < 0.7, 0, 1))
        )
        c["coupon"] = np.where(use, code, -1).astype(np.int8)

    def _finish_items(self, p: Plan, avail: np.ndarray, rng) -> None:
        """Which extra items can be carted (in stock, distinct) and which one gets removed."""
        c = p.columns
        ex = c["extra"]
        ok0 = (avail[ex[:, 0]] > 0) & (ex[:, 0] != c["main"])
        ok1 = (avail[ex[:, 1]] > 0) & (ex[:, 1] != c["main"]) & (ex[:, 1] != ex[:, 0])
        c["extra_ok"] = np.column_stack([ok0, ok1])
        last = np.where((c["n_extra"] > 1) & ok1, 1, np.where((c["n_extra"] > 0) & ok0, 0, -1))
        c["remove"] = np.where((rng.random(len(p)) < 0.2) & (last >= 0), last, -1).astype(np.int8)

    def _plan_regular(self, rng, ctx: DayCtx, dev, desired, first_sess, viral) -> Plan:
        """Plans for ordinary sessions: acquisition, entry page, products, depth."""
        n = len(dev)
        pop, lab = self.pop, self.lab
        p = Plan.empty(n)
        c = p.columns
        c["dev"] = dev
        c["start"] = desired
        c["kind"][:] = KIND_REGULAR
        self._fill_random(p, rng, ctx)
        # acquisition
        organic = [(lab.sources.index(s), lab.media.index(m), w) for s, m, w in ORGANIC_UTM]
        paid = [(m, w) for m, w in PAID_MEDIUM_SHARE.items()]
        probs = np.array([o[2] for o in organic] + [w for _, w in paid])
        pick = rng.choice(len(probs), n, p=probs / probs.sum())
        src = np.full(n, self.src_direct, np.int16)
        med = np.full(n, self.med_none, np.int16)
        camp = np.full(n, -1, np.int16)
        row = np.full(n, -1, np.int32)
        landing = np.zeros(n, np.int8)
        main = ctx.sku_sampler.sample(rng, n)
        for i, (s, m, _) in enumerate(organic):
            sel = pick == i
            src[sel], med[sel] = s, m
            if lab.media[m] == "organic":
                landing[sel & (rng.random(n) < 0.5)] = 3
        for j, (m, _) in enumerate(paid):
            sel = np.flatnonzero(pick == len(organic) + j)
            rows = np.flatnonzero(self.camp_medium[self.mkt.row_campaign] == lab.media.index(m))
            w = ctx.row_w[rows]
            if len(sel) == 0 or len(rows) == 0 or w.sum() <= 0:
                continue
            r = rows[sample_cdf(rng, w, len(sel))]
            row[sel] = r
            ci = self.mkt.row_campaign[r]
            camp[sel] = ci
            med[sel] = lab.media.index(m)
            for cidx in np.unique(ci):
                these = sel[ci == cidx]
                srcs = [lab.sources.index(s) for s in CAMPAIGNS[cidx][3]]
                src[these] = np.array(srcs)[rng.integers(0, len(srcs), len(these))]
            main[sel] = self.mkt.row_sku[r]
            landing[sel] = np.where(rng.random(len(sel)) < (0.4 if m == "email" else 0.7), 1, 2)
        v = viral >= 0
        if v.any():
            src[v], med[v] = lab.sources.index("instagram"), lab.media.index("social")
            camp[v], row[v], landing[v], main[v] = -1, -1, 1, viral[v]
        c.update(source=src, medium=med, campaign=camp, exposure_row=row, landing=landing, main=main)
        # new users and activation
        is_first = first_sess & pop.is_new[dev] & (pop.first_day[dev] == ctx.d)
        c["first_open"] = is_first
        c["register"] = is_first & pop.registers[dev]
        kfu = first_sess & (pop.kfu_day[dev] == ctx.d)
        c["kfu"] = np.where(kfu, rng.integers(0, len(FEATURES), n), -1).astype(np.int8)
        self._finish_items(p, ctx.avail, rng)
        c["depth"] = walk_depth(
            rng,
            n,
            slow=pop.slow[dev],
            treat=pop.variant[dev] == 1,
            paid=landing == 1,
            main_oos=ctx.avail[main] <= 0,
            promo=ctx.promo,
            step_factor=ctx.step_factor,
            forced_min=np.where(v, 6, 0),
            p7_base=np.where(v, VIRAL_ATC_P, STEP_P[7]),
        )
        return p

    def _special_plan(
        self, rng, ctx: DayCtx, dev, start, kind, main, qty, avail, forced_min: int, max_depth: int = 17
    ) -> Plan:
        """Plans for scripted sessions (journeys, reminder returns, logins): forced depth, direct traffic."""
        n = len(dev)
        p = Plan.empty(n)
        c = p.columns
        c["dev"] = np.asarray(dev, np.int64)
        c["start"] = np.asarray(start, np.int64)
        c["kind"][:] = kind
        self._fill_random(p, rng, ctx)
        c["source"][:] = self.src_direct
        c["medium"][:] = self.med_none
        c["main"] = np.asarray(main, np.int32)
        if qty is not None:
            c["qty"] = np.asarray(qty, np.int16)
        c["n_extra"][:] = 0
        self._finish_items(p, avail, rng)
        depth = walk_depth(
            rng,
            n,
            slow=self.pop.slow[c["dev"]],
            treat=self.pop.variant[c["dev"]] == 1,
            paid=np.zeros(n, bool),
            main_oos=avail[c["main"]] <= 0,
            promo=ctx.promo,
            step_factor=ctx.step_factor,
            forced_min=np.full(n, forced_min),
        )
        c["depth"] = np.minimum(depth, max_depth).astype(np.int8)
        return p

    def _plan_journeys(self, rng, ctx: DayCtx, jA, jB) -> tuple[Plan | None, Plan | None]:
        """Device A browses anonymously to the cart; device B (same user) later logs in and pays."""
        n = len(jA)
        if n == 0:
            return None, None
        pop = self.pop
        w = ctx.sku_w * (ctx.avail > 0)
        main = sample_cdf(rng, w, n)
        qty = np.ones(n, np.int16)
        desired = (
            ctx.day_start + sample_cdf(rng, HOUR_WEIGHTS, n) * MS_PER_HOUR + rng.integers(0, MS_PER_HOUR, n)
        )
        g = GAP_BETWEEN_SESSIONS_MS
        desired = np.maximum(desired, np.maximum(pop.busy_until[jA], pop.busy_until[jB]) + g)
        pA = self._special_plan(rng, ctx, jA, desired, KIND_JOURNEY_A, main, qty, ctx.avail, 8, max_depth=8)
        pB = self._special_plan(rng, ctx, jB, desired + MS_PER_HOUR, KIND_JOURNEY_B, main, qty, ctx.avail, 16)
        pB.columns["guest"][:] = False
        return pA, pB

    # ---------------------------------------------------------------------------------------------
    def _outage_keep(self, ctx: DayCtx, p: Plan, f: SessionEvents, t: np.ndarray, rng) -> np.ndarray:
        """Outage fault: sessions active during the outage hour die at its start (5% survive)."""
        if ctx.outage is None:
            return np.ones(len(t), bool)
        t0, t1 = ctx.outage
        start = p.start
        end = start + f.duration_ms
        kill = (start < t1) & (end >= t0) & (rng.random(len(p)) >= OUTAGE_SHARE)
        return ~(kill[f.session] & (t >= t0))

    def _regular_chunk(self, ctx: DayCtx, p1: Plan, rng) -> None:
        """Ordinary sessions of a block of devices, then their cart reminders and returns."""
        pop = self.pop
        f1 = expand(p1, self.lab, pop.platform[p1.dev], rng)
        p1.columns["start"] = resolve_starts(p1.dev, p1.start, f1.duration_ms, pop.busy_until, ctx.day_start)
        t1 = p1.start[f1.session] + f1.offset_ms
        k1 = self._outage_keep(ctx, p1, f1, t1, rng)
        p2 = self._plan_reminders(ctx, p1, f1, t1, k1, rng)
        plans, flats, ts, keeps = [p1], [f1], [t1], [k1]
        if p2 is not None:
            sold = stock_cap(p2, ctx.remaining)
            ctx.remaining -= sold
            f2 = expand(p2, self.lab, pop.platform[p2.dev], rng)
            t2 = p2.start[f2.session] + f2.offset_ms
            plans.append(p2)
            flats.append(f2)
            ts.append(t2)
            keeps.append(self._outage_keep(ctx, p2, f2, t2, rng))
        self._emit(ctx, plans, flats, ts, keeps, rng)

    def _plan_reminders(self, ctx: DayCtx, p1: Plan, f1: SessionEvents, t1, k1, rng) -> Plan | None:
        """Abandoned carts -> cart-reminder pushes, opens, and returning purchase sessions."""
        EV = self.EV
        n1 = len(p1)
        ev = f1.event
        has_atc = np.zeros(n1, bool)
        has_atc[f1.session[k1 & (ev == EV["add_to_cart"])]] = True
        has_co = np.zeros(n1, bool)
        has_co[f1.session[k1 & (ev == EV["checkout_start"])]] = True
        si_k, t_k = f1.session[k1], t1[k1]
        end = np.full(n1, -1, np.int64)
        if len(si_k):
            last = np.flatnonzero(np.r_[si_k[1:] != si_k[:-1], True])
            end[si_k[last]] = t_k[last]
        dev = p1.dev
        nxt = np.r_[p1.start[1:], np.iinfo(np.int64).max]
        same = np.r_[dev[1:] == dev[:-1], False]
        nxt = np.where(same, nxt, np.iinfo(np.int64).max)
        plat = self.pop.platform[dev]
        elig = (
            (p1.kind == KIND_REGULAR)
            & has_atc
            & ~has_co
            & (end >= 0)
            & (plat != 1)
            & (nxt - end > 8 * MS_PER_HOUR)
        )
        e = np.flatnonzero(elig)
        if len(e) == 0:
            return None
        u = rng.random((len(e), 4))
        reminded = u[:, 0] < REMIND_SHARE
        opened = reminded & (u[:, 1] < OPEN_SHARE)
        push_t = end[e] + rng.integers(MS_PER_HOUR, 6 * MS_PER_HOUR, len(e))
        open_t = push_t + np.clip(
            180_000 * np.exp(rng.normal(0, 1, len(e))), 5_000, 30 * MS_PER_MINUTE
        ).astype(np.int64)
        ret_open = opened & (u[:, 2] < RETURN_IF_OPENED)
        bounce = opened & ~ret_open
        ret_noopen = reminded & ~opened & (u[:, 2] < RETURN_IF_NOT_OPENED)
        ret_unrem = ~reminded & (u[:, 3] < RETURN_UNREMINDED)
        self._bump("reminder_eligible_reminded", int(reminded.sum()))
        self._bump("reminder_eligible_unreminded", int((~reminded).sum()))
        self._bump("reminder_pushes", int(reminded.sum()))
        self._bump("reminder_opened", int(opened.sum()))
        parts = []
        main, qty = p1.main[e], p1.qty[e]
        # push_received: single-event sessions
        sel = np.flatnonzero(reminded)
        pp = Plan.empty(len(sel))
        pp.columns.update(
            dev=dev[e[sel]],
            start=push_t[sel],
            kind=np.full(len(sel), KIND_PUSH, np.int8),
            depth=np.zeros(len(sel), np.int8),
            main=main[sel],
        )
        pp.columns["source"][:] = self.src_direct
        pp.columns["medium"][:] = self.med_none
        parts.append(pp)
        src_push, med_push = self.lab.sources.index("app_push"), self.lab.media.index("push")
        camp_rem = self.lab.campaigns.index("cart_reminder")
        for mask, st, opened_first, tag in (
            (ret_open, open_t, True, 1),
            (ret_noopen, push_t + rng.integers(20 * MS_PER_MINUTE, 90 * MS_PER_MINUTE, len(e)), False, 1),
            (ret_unrem, end[e] + rng.integers(MS_PER_HOUR, 7 * MS_PER_HOUR, len(e)), False, 2),
        ):
            sel = np.flatnonzero(mask)
            if len(sel) == 0:
                continue
            pr = self._special_plan(
                rng, ctx, dev[e[sel]], st[sel], KIND_RETURN, main[sel], qty[sel], ctx.remaining, 16
            )
            pr.columns["return_group"][:] = tag
            if opened_first:
                pr.columns["push_opened"][:] = True
                pr.columns["source"][:], pr.columns["medium"][:], pr.columns["campaign"][:] = (
                    src_push,
                    med_push,
                    camp_rem,
                )
            parts.append(pr)
        sel = np.flatnonzero(bounce)
        if len(sel):
            pb = self._special_plan(
                rng,
                ctx,
                dev[e[sel]],
                open_t[sel],
                KIND_PUSH_BOUNCE,
                main[sel],
                qty[sel],
                ctx.remaining,
                2,
                max_depth=2,
            )
            pb.columns["push_opened"][:] = True
            pb.columns["source"][:], pb.columns["medium"][:], pb.columns["campaign"][:] = (
                src_push,
                med_push,
                camp_rem,
            )
            parts.append(pb)
        return Plan.concat(parts)

    def _journey_chunk(self, ctx: DayCtx, pA: Plan, pB: Plan, rng) -> None:
        """Cross-device journeys: A (app, anonymous, to the cart) -> B (web, logs in, pays) -> A logs in."""
        pop = self.pop
        fA = expand(pA, self.lab, pop.platform[pA.dev], rng)
        endA = pA.start + fA.duration_ms
        pB.columns["start"] = endA + rng.integers(20 * MS_PER_MINUTE, 180 * MS_PER_MINUTE, len(pB))
        fB = expand(pB, self.lab, pop.platform[pB.dev], rng)
        endB = pB.start + fB.duration_ms
        pL = self._special_plan(
            rng,
            ctx,
            pA.dev,
            endB + rng.integers(MS_PER_HOUR, 6 * MS_PER_HOUR, len(pA)),
            KIND_JOURNEY_LOGIN,
            pA.main,
            None,
            ctx.avail,
            3,
            max_depth=3,
        )
        pL.columns["login_early"][:] = True
        pL.columns["guest"][:] = False
        fL = expand(pL, self.lab, pop.platform[pL.dev], rng)
        plans, flats = [pA, pB, pL], [fA, fB, fL]
        ts = [p.start[f.session] + f.offset_ms for p, f in zip(plans, flats, strict=True)]
        keeps = [self._outage_keep(ctx, p, f, t, rng) for p, f, t in zip(plans, flats, ts, strict=True)]
        pop.xd_used[pA.dev] = True
        self._bump("xd_journeys", len(pA))
        self._emit(ctx, plans, flats, ts, keeps, rng)

    # ---------------------------------------------------------------------------------------------
    def _emit(self, ctx: DayCtx, plans, flats, ts, keeps, rng) -> None:
        """Turn sessions into events, orders, lines and assignments; deliver and write the events."""
        pop, cat, EV = self.pop, self.cat, self.EV
        plan = Plan.concat(plans)
        offs = np.cumsum([0] + [len(p) for p in plans])
        dur = np.concatenate([f.duration_ms for f in flats])
        si = np.concatenate([f.session + o for f, o in zip(flats, offs[:-1], strict=True)])
        cols = {
            k: np.concatenate([getattr(f, k) for f in flats])
            for k in ("slot", "event", "sku", "quantity", "page")
        }
        t = np.concatenate(ts)
        keep = np.concatenate(keeps)
        np.maximum.at(pop.busy_until, plan.dev, plan.start + dur)
        si, t = si[keep], t[keep]
        sl, ev, sku, qty, page = (cols[k][keep] for k in ("slot", "event", "sku", "quantity", "page"))
        n = len(t)
        if n == 0:
            return
        dev = plan.dev[si]
        # identity: user_id from the device's first login/register today on (or earlier days)
        udev, inv = np.unique(dev, return_inverse=True)
        big = np.iinfo(np.int64).max
        fl = np.full(len(udev), big)
        lg = (ev == EV["login"]) | (ev == EV["register"])
        np.minimum.at(fl, inv[lg], t[lg])
        owner = pop.owner[dev]
        is_user = (owner >= 0) & (pop.logged_in[dev] | (t >= fl[inv]))
        pop.logged_in[udev[(fl < big) & (pop.owner[udev] >= 0)]] = True
        kind = plan.kind[si]

        # orders
        o_ev = np.flatnonzero(sl == SLOT_CODE["order"])
        o_sess = si[o_ev]
        onum = self.next_order + np.arange(len(o_sess))
        self.next_order += len(o_sess)
        sess_order = np.full(len(plan), -1, np.int64)
        sess_order[o_sess] = onum
        paid_at = np.full(len(plan), -1, np.int64)
        ps = sl == SLOT_CODE["pay_success"]
        paid_at[si[ps]] = t[ps]
        if len(o_sess):
            self._orders(ctx, plan, o_sess, onum, t[o_ev], paid_at[o_sess], is_user[o_ev], dev[o_ev], rng)

        # effects bookkeeping (ordinary sessions)
        reg = kind == KIND_REGULAR
        has = {}
        for name in ("product_view", "add_to_cart", "payment_success", "landing_view", "app_open"):
            h = np.zeros(len(plan), bool)
            h[si[reg & (ev == EV[name])]] = True
            has[name] = h
        sess_reg = plan.kind == KIND_REGULAR
        slow_s, var_s = pop.slow[plan.dev], pop.variant[plan.dev]
        for key, m in (
            ("fast", ~slow_s),
            ("slow", slow_s),
            ("control", var_s == 0),
            ("treatment", var_s == 1),
        ):
            pv = sess_reg & has["product_view"] & m
            self._bump(f"pv_sessions_{key}", int(pv.sum()))
            self._bump(f"pv_atc_sessions_{key}", int((pv & has["add_to_cart"]).sum()))
        self._bump("sessions", int(sess_reg.sum()))
        self._bump("sessions_paid", int((sess_reg & has["payment_success"]).sum()))
        ret = plan.kind == KIND_RETURN
        paid_sess = paid_at >= 0
        self._bump("reminder_return_paid_reminded", int((ret & paid_sess & (plan.return_group == 1)).sum()))
        self._bump("reminder_return_paid_unreminded", int((ret & paid_sess & (plan.return_group == 2)).sum()))
        self._bump("xd_journeys_paid", int(((plan.kind == KIND_JOURNEY_B) & paid_sess).sum()))
        self._bump("first_open", int((ev == EV["first_open"]).sum()))
        self._bump("register", int((ev == EV["register"]).sum()))
        self._bump("key_feature_use", int((ev == EV["key_feature_use"]).sum()))

        # experiment assignments: the device's first product view ever
        pvm = (ev == EV["product_view"]) & ~pop.assigned[dev]
        if pvm.any():
            idx = np.flatnonzero(pvm)
            idx = idx[np.lexsort((t[idx], dev[idx]))]
            firsts = idx[np.r_[True, dev[idx][1:] != dev[idx][:-1]]]
            d_ = dev[firsts]
            pop.assigned[d_] = True
            at = t[firsts]
            ing = at + rng.integers(MS_PER_SECOND, 30 * MS_PER_SECOND, len(firsts))
            ctx.assignments.append(
                (
                    pa.table(
                        {
                            "assignment_id": fixed_ids("ASG-pdp_cta_copy-", d_, 9),
                            "experiment_key": pa.array(["pdp_cta_copy"] * len(d_), pa.string()),
                            "variant": categorical(pop.variant[d_], VARIANTS),
                            "device_id": fixed_ids("D", d_, 9),
                            "user_id": fixed_ids("U", pop.owner[d_], 8, is_user[firsts]),
                            "assigned_at": ts_ms(at),
                            "ingested_at": ts_ms(ing),
                        }
                    ),
                    ing,
                )
            )

        # delivery first (lag, retries, missing hour), so columns are built once, already in file order
        rows, ing, is_retry = self._delivery(ctx, t, rng)
        if len(rows) == 0:
            return
        raw_ids = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        ev_r, t_r, dev_r, si_r, sku_r, qty_r = ev[rows], t[rows], dev[rows], si[rows], sku[rows], qty[rows]
        owner_r, user_r = owner[rows], is_user[rows]
        plat = pop.platform[dev_r]
        tier = np.where(user_r, pop.user_tier[np.maximum(owner_r, 0)], 3)
        pk = self.prop_kind[ev_r]
        var1 = np.zeros(len(rows), np.int16)
        var2 = np.zeros(len(rows), np.int16)
        ver = VERSION_VALUES_AT + pop.version[dev_r]
        m = pk == PROPERTY_KIND_CODE["entry"]
        var1[m], var2[m] = TIER_VALUES_AT + tier[m], ver[m]
        m = pk == PROPERTY_KIND_CODE["pv"]
        var1[m], var2[m] = VARIANT_VALUES_AT + pop.variant[dev_r[m]], ver[m]
        m = pk == PROPERTY_KIND_CODE["first_open"]
        var1[m] = ver[m]
        m = pk == PROPERTY_KIND_CODE["kfu"]
        var1[m] = FEATURE_VALUES_AT + np.maximum(plan.kfu[si_r[m]], 0)
        m = pk == PROPERTY_KIND_CODE["coupon"]
        var1[m] = COUPON_VALUES_AT + np.maximum(plan.coupon[si_r[m]], 0)
        omask = pk == PROPERTY_KIND_CODE["order"]
        props = build_properties(pk, var1, var2, omask, sess_order[si_r[omask]])
        is_prod = self.product_ev[ev_r] & (sku_r >= 0)
        plm_all, has_pl_all = page_load(
            rng, ev, self.page_view, ev == EV["product_view"], pop.platform[dev], pop.slow[dev]
        )
        plm, has_pl = plm_all[rows], has_pl_all[rows]
        tbl = pa.table(
            {
                "event_id": uuid_like(raw_ids[rows]),
                "device_id": fixed_ids("D", dev_r, 9),
                "user_id": fixed_ids("U", owner_r, 8, user_r),
                "event_name": categorical(ev_r, self.lab.events),
                "event_time": iso_ms(t_r),
                "ingested_at": ts_ms(ing),
                "platform": categorical(plat, PLATFORMS),
                "utm_source": categorical(plan.source[si_r], self.lab.sources),
                "utm_medium": categorical(plan.medium[si_r], self.lab.media),
                "utm_campaign": categorical(plan.campaign[si_r], self.lab.campaigns),
                "page": categorical(page[rows], PAGES),
                "sku_id": cat.sku_ids(np.maximum(sku_r, 0), sku_r >= 0),
                "price": pa.array(cat.price[np.maximum(sku_r, 0)], pa.float64(), mask=~is_prod),
                "quantity": pa.array(qty_r, pa.int32(), mask=qty_r <= 0),
                "page_load_ms": pa.array(plm, pa.int32(), mask=~has_pl),
                "properties": props,
            }
        )
        self.writers["events"].write(tbl, ing, presorted=True)
        if self.quota is not None and not ctx.first_chunk_done:
            ctx.first_chunk_done = True
            bad = inject("events", tbl, ing, self.quota, ctx.d, rng, event_ms=t_r, exclude=is_retry)
            if bad is not None:
                self.writers["events"].write(bad[0], bad[1], bad[2], REASONS)

    # ---------------------------------------------------------------------------------------------
    def _delivery(self, ctx: DayCtx, t: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ingestion of a chunk's events: lognormal lag (median 20 s), 1-2-day stragglers, the late-day
        fault, client retries (same event delivered twice) and the missing hour (never delivered).
        Returns source-row indices, ingested_at (ms) and a retry flag, sorted by output file."""
        n = len(t)
        lag = np.maximum(20_000 * np.exp(rng.normal(0, 1.2, n)), 200).astype(np.int64)
        u = rng.random(n)
        straggle = u < LATE_1_2_DAYS_SHARE
        lag[straggle] = rng.integers(24 * MS_PER_HOUR, 48 * MS_PER_HOUR, int(straggle.sum()))
        if self.fp.late_day is not None:
            late = (
                (day_of(t) == self.start_day + self.fp.late_day)
                & (u >= LATE_1_2_DAYS_SHARE)
                & (u < LATE_1_2_DAYS_SHARE + LATE_DAY_SHARE)
            )
            lag[late] = rng.integers(16 * MS_PER_MINUTE, 120 * MS_PER_MINUTE, int(late.sum()))
        ing = t + lag
        retry = np.flatnonzero(rng.random(n) < (RETRY_SHARE if self.opts.faults else 0.0))
        rows = np.concatenate([np.arange(n), retry])
        ing_all = np.concatenate(
            [
                ing,
                ing[retry]
                + np.clip(
                    30_000 * np.exp(rng.normal(0, 1, len(retry))), MS_PER_SECOND, 30 * MS_PER_MINUTE
                ).astype(np.int64),
            ]
        )
        is_retry = np.r_[np.zeros(n, bool), np.ones(len(retry), bool)]
        t_all = t[rows]
        if ctx.missing is not None:
            keep = ~((t_all >= ctx.missing[0]) & (t_all < ctx.missing[1]))
            self._bump("missing_hour_rows", int((~keep).sum()))
            rows, ing_all, t_all, is_retry = rows[keep], ing_all[keep], t_all[keep], is_retry[keep]
        self._bump("retries", int(is_retry.sum()))
        self._bump("events_valid", len(rows))
        self._late_counts(day_of(t_all) - self.start_day, ing_all - t_all)
        key = self.writers["events"].file_key(ing_all)
        order = np.argsort(key, kind="stable")
        return rows[order], ing_all[order], is_retry[order]

    def _late_counts(self, ed: np.ndarray, lag: np.ndarray) -> None:
        """Per event day: delivered events, those later than 15 minutes, and 1-2-day stragglers."""
        D = self.opts.days
        ok = (ed >= 0) & (ed < D)
        if not hasattr(self, "late_n"):
            self.late_n = np.zeros(D, np.int64)
            self.late_15 = np.zeros(D, np.int64)
            self.late_day1 = np.zeros(D, np.int64)
        self.late_n += np.bincount(ed[ok], minlength=D)
        self.late_15 += np.bincount(ed[ok & (lag > 15 * MS_PER_MINUTE)], minlength=D)
        self.late_day1 += np.bincount(ed[ok & (lag >= 24 * MS_PER_HOUR)], minlength=D)

    # ---------------------------------------------------------------------------------------------
    def _orders(self, ctx: DayCtx, plan: Plan, o_sess, onum, created, paid_at, is_user, dev, rng) -> None:
        """Order header versions and lines for sessions that submitted an order."""
        pop, cat = self.pop, self.cat
        n = len(o_sess)
        paid = paid_at >= 0
        coupon = plan.coupon[o_sess]
        upd = np.where(paid, paid_at, created)
        ing = upd + rng.integers(2 * MS_PER_MINUTE, 15 * MS_PER_MINUTE, n)
        status_labels = ["paid", "pending_payment", "cancelled", "refunded"]
        status = np.where(paid, 0, 1)
        u = rng.random(n)
        v2 = np.full(n, -1)
        v2_upd = np.zeros(n, np.int64)
        canc = paid & (u < CANCEL_SHARE)
        refu = paid & (u >= CANCEL_SHARE) & (u < CANCEL_SHARE + REFUND_SHARE)
        expire = ~paid & (u < PENDING_EXPIRE_SHARE)
        v2[canc | expire] = 2
        v2[refu] = 3
        v2_upd[canc] = paid_at[canc] + rng.integers(MS_PER_HOUR, 48 * MS_PER_HOUR, int(canc.sum()))
        v2_upd[refu] = paid_at[refu] + rng.integers(3 * MS_PER_DAY, 12 * MS_PER_DAY, int(refu.sum()))
        v2_upd[expire] = (
            created[expire] + 24 * MS_PER_HOUR + rng.integers(0, 2 * MS_PER_HOUR, int(expire.sum()))
        )
        v2[(v2 >= 0) & (v2_upd >= self.end_ms)] = -1
        has2 = np.flatnonzero(v2 >= 0)
        rows = np.concatenate([np.arange(n), has2])
        st = np.concatenate([status, v2[has2]])
        up = np.concatenate([upd, v2_upd[has2]])
        ig = np.concatenate(
            [ing, v2_upd[has2] + rng.integers(2 * MS_PER_MINUTE, 15 * MS_PER_MINUTE, len(has2))]
        )
        self._bump("orders_cancelled", int(np.isin(has2, np.flatnonzero(canc)).sum()))
        self._bump("orders_refunded", int(np.isin(has2, np.flatnonzero(refu)).sum()))
        self._bump("orders_expired", int(np.isin(has2, np.flatnonzero(expire)).sum()))
        ctx.orders.append(
            (
                pa.table(
                    {
                        "order_id": fixed_ids("O", onum[rows], 10),
                        "user_id": fixed_ids("U", pop.owner[dev[rows]], 8, is_user[rows]),
                        "device_id": fixed_ids("D", dev[rows], 9),
                        "platform": categorical(pop.platform[dev[rows]], PLATFORMS),
                        "channel": categorical(plan.medium[o_sess[rows]], self.lab.media),
                        "coupon_code": categorical(coupon[rows], COUPONS),
                        "created_at": ts_ms(created[rows]),
                        "paid_at": ts_ms(paid_at[rows], paid[rows]),
                        "status": categorical(st, status_labels),
                        "updated_at": ts_ms(up),
                        "ingested_at": ts_ms(ig),
                    }
                ),
                ig,
            )
        )
        # lines: main item, then extras that were carted and not removed
        c = plan.columns
        l_ord = [np.arange(n)]
        l_sku = [c["main"][o_sess]]
        l_qty = [c["qty"][o_sess]]
        l_slot = [np.zeros(n, np.int64)]
        for j in range(N_EXTRA_ITEMS):
            inc = (c["n_extra"][o_sess] > j) & c["extra_ok"][o_sess, j] & (c["remove"][o_sess] != j)
            w = np.flatnonzero(inc)
            l_ord.append(w)
            l_sku.append(c["extra"][o_sess[w], j])
            l_qty.append(c["extra_qty"][o_sess[w], j])
            l_slot.append(np.full(len(w), j + 1))
        lo, ls, lq, lsl = (np.concatenate(a) for a in (l_ord, l_sku, l_qty, l_slot))
        srt = np.lexsort((lsl, lo))
        lo, ls, lq = lo[srt], ls[srt], lq[srt].astype(np.int64)
        line_no = grouped_rank(lo) + 1
        price = cat.price[ls]
        cp = coupon[lo]
        disc = np.where(cp >= 0, np.round(price * lq * COUPON_PCT[np.maximum(cp, 0)], 2), 0.0)
        ctx.lines.append(
            (
                pa.table(
                    {
                        "order_id": fixed_ids("O", onum[lo], 10),
                        "line_number": pa.array(line_no.astype(np.int32)),
                        "sku_id": cat.sku_ids(ls),
                        "quantity": pa.array(lq.astype(np.int32)),
                        "unit_price": pa.array(price, pa.float64()),
                        "discount_amount": pa.array(disc, pa.float64()),
                        "ingested_at": ts_ms(ing[lo]),
                    }
                ),
                ing[lo],
            )
        )
        pl = paid[lo]
        np.add.at(ctx.units, ls[pl], lq[pl])
        self._bump("orders", n)
        self._bump("orders_paid", int(paid.sum()))

    # ---------------------------------------------------------------------------------------------
    def _marketing(self, ctx: DayCtx, preg: Plan, rng) -> None:
        """Exposure rows of the day (channel x campaign x SKU), tied to the paid sessions they drove."""
        mkt = self.mkt
        R = len(mkt.row_sku)
        active = np.flatnonzero(ctx.row_w > 0)
        if R == 0 or len(active) == 0:
            return
        row = preg.exposure_row
        sess = np.bincount(row[row >= 0], minlength=R)
        med = self.camp_medium[mkt.row_campaign]
        n_med = np.bincount(med[row[row >= 0]], minlength=len(self.lab.media)).astype(float)
        w_med = np.bincount(med, weights=ctx.row_w, minlength=len(self.lab.media))
        expct = n_med[med] * ctx.row_w / np.maximum(w_med[med], 1e-12)
        r = active
        clicks = sess[r] + rng.poisson(0.25 * expct[r] + 0.05)
        imp = np.maximum(
            rng.poisson(np.maximum(clicks, 1.25 * expct[r]) / mkt.row_ctr[r]), np.ceil(clicks / 0.03)
        ).astype(np.int64)
        imp = np.maximum(imp, clicks)
        ch = mkt.row_campaign[r]
        cpc = np.array([c[5] for c in CAMPAIGNS])[ch]
        noise = np.exp(rng.normal(0, 0.12, len(r)))
        chan = np.array([c[0] for c in CAMPAIGNS])[ch]
        spend = np.where(
            chan == "display", imp * 2.5 / 1000, np.where(chan == "email", imp * 0.0004, clicks * cpc)
        )
        spend = np.round(spend * noise, 2)
        np.add.at(self.mkt_spend[ctx.d], mkt.row_sku[r], spend)
        if self.fp.source_gap_day == ctx.d:
            return
        day = self.start_day + ctx.d
        ing = (day + 1) * MS_PER_DAY + 5 * MS_PER_HOUR + rng.integers(0, 90 * MS_PER_MINUTE, len(r))
        tbl = pa.table(
            {
                "exposure_date": date32(np.full(len(r), day)),
                "channel": pa.array(chan.tolist(), pa.string()),
                "campaign_id": pa.array([CAMPAIGNS[c][1] for c in ch], pa.string()),
                "sku_id": self.cat.sku_ids(mkt.row_sku[r]),
                "impressions": pa.array(imp, pa.int64()),
                "clicks": pa.array(clicks.astype(np.int64), pa.int64()),
                "spend": pa.array(spend, pa.float64()),
                "ingested_at": ts_ms(ing),
            }
        )
        self._write("marketing_exposure", tbl, ing, ctx.d, rng)

    # ---------------------------------------------------------------------------------------------
    def _duplicate_file(self) -> dict | None:
        """Deliver one events file twice (same rows, second name in the same landing-day folder)."""
        if not self.opts.faults or self.fp.duplicate_day is None:
            return None
        w = self.writers["events"]
        dt = f"dt={day_str(self.start_day + self.fp.duplicate_day)}"
        cands = sorted((s.rows, p) for p, s in w.stats.items() if f"/{dt}/" in p)
        if not cands:
            return None
        orig = next((p for r, p in cands if p.endswith("part-0002.parquet")), cands[-1][1])
        parts = [int(p[-12:-8]) for p in w.stats if f"/{dt}/" in p]
        copy = orig[:-12] + f"{max(parts) + 1:04d}.parquet"
        shutil.copyfile(self.out / orig, self.out / copy)
        st = w.stats[orig]
        w.stats[copy] = FileStats(st.rows, st.reasons.copy())
        return {
            "original": orig,
            "copy": copy,
            "rows": st.rows,
            "valid_rows": st.rows - sum(st.reasons.values()),
        }


def users_for_events(events: int, seeds: Seeds, opts: Options) -> int:
    """Users needed for roughly ``events`` events over the run."""
    return max(200, int(round(events / (EVENTS_PER_USER_DAY * float(day_multipliers(seeds, opts).sum())))))
