"""The simulated world: seeds, catalogue, users and devices, marketing set-up, fault calendar and the
inventory / replenishment model.

All state lives in numpy arrays indexed by SKU, user or device; nothing loops per row in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from keynode.generator.util import (
    MS_PER_DAY,
    MS_PER_HOUR,
    MS_PER_MINUTE,
    categorical,
    date32,
    fixed_ids,
    read_seed,
    rng_for,
    ts_ms,
)

# ---- designed parameters (recorded in the manifest) ----------------------------------------------
PLATFORMS = ["app", "web", "mini_program"]
TIERS = ["none", "silver", "gold", "guest"]
TIER_P = [0.60, 0.28, 0.12]
VARIANTS = ["control", "treatment"]
APP_VERSIONS = ["7.4.0", "7.3.2", "7.2.0", "6.8.1"]
SLOW_VERSION = 3  # index of the slow-page build in APP_VERSIONS
SLOW_SHARE = 0.15
WAREHOUSES = ["WH-N", "WH-S", "WH-E"]
REGION_P = np.array([0.45, 0.35, 0.20])
CATEGORIES = ["apparel", "footwear", "beauty", "home", "electronics", "sports", "toys", "grocery"]
CATEGORY_PRICE = np.array([35.0, 70.0, 22.0, 40.0, 160.0, 45.0, 25.0, 8.0])
CATEGORY_NOUN = ["Tee", "Sneaker", "Serum", "Lamp", "Earbuds", "Yoga Mat", "Puzzle", "Coffee"]
WEEKDAY_MULT = [1.0, 0.97, 0.98, 1.0, 1.06, 1.22, 1.28]  # Monday..Sunday: weekends are busier
HOUR_WEIGHTS = np.array(
    [
        1.6,
        1.1,
        0.8,
        0.7,
        0.8,
        1.2,
        2.0,
        3.0,
        4.0,
        4.6,
        5.0,
        5.5,
        6.0,
        6.0,
        5.6,
        5.5,
        5.6,
        6.1,
        7.0,
        8.0,
        8.6,
        7.6,
        5.2,
        3.0,
    ]
)
ZIPF_S = 1.07
# sku_surge demand multiplier by day since the surge started: buzz builds over five days (so the
# 7-day growth rule can be met a day or two before the campaign stock runs out), peaks on day 5,
# then fades to 2x.
SURGE_RAMP = [1.5, 2.5, 4, 6, 8, 9, 8, 6, 5, 4, 3, 2]
SURGE_STOCK_WEEKS = 5.0  # campaign stock at the surge start, in weeks of the previous week's sales

# Marketing campaigns: (channel, campaign_id, utm_medium, utm sources, CTR range, CPC)
CAMPAIGNS = [
    ("paid_search", "ps_generic_q4", "cpc", ["google", "bing"], (0.015, 0.030), 0.55),
    ("paid_search", "ps_shopping_q4", "cpc", ["google"], (0.012, 0.025), 0.48),
    ("paid_social", "soc_prospecting", "paid_social", ["meta", "tiktok"], (0.006, 0.014), 0.40),
    ("paid_social", "soc_retargeting", "paid_social", ["meta"], (0.010, 0.020), 0.45),
    ("display", "dsp_retargeting", "display", ["criteo", "gdn"], (0.003, 0.006), 0.22),
    ("affiliate", "aff_network", "affiliate", ["awin", "rakuten"], (0.005, 0.012), 0.30),
    ("email", "em_newsletter", "email", ["newsletter"], (0.010, 0.030), 0.02),
]
# Session acquisition mix for ordinary sessions: (utm_source, utm_medium, share). Paid and email
# sessions take their source and campaign from the marketing row they clicked.
ORGANIC_UTM = [
    ("direct", "none", 0.31),
    ("google", "organic", 0.17),
    ("bing", "organic", 0.02),
    ("partner_blog", "referral", 0.03),
    ("instagram", "social", 0.04),
]
PAID_MEDIUM_SHARE = {"cpc": 0.13, "paid_social": 0.10, "display": 0.04, "affiliate": 0.03, "email": 0.06}
PAID_MEDIA = ["cpc", "paid_social", "display", "affiliate"]

COUPONS = ["SAVE10", "FREESHIP5", "WELCOME15", "PROMO20"]
COUPON_PCT = np.array([0.10, 0.05, 0.15, 0.20])


@dataclass
class Seeds:
    """Lookups read from ``seeds/`` at run time."""

    event_names: list[str]
    page_view_events: set[str]
    purchase_nodes: list[tuple[int, str, list[str]]]
    activation_nodes: list[tuple[int, str, list[str]]]
    promotions: list[dict]

    @classmethod
    def load(cls) -> Seeds:
        """Read the event catalogue, funnel definitions and promotion calendar."""
        cat = read_seed("event_catalog")
        nodes = read_seed("funnel_nodes")
        node_events = read_seed("funnel_node_events")

        def funnel(key: str) -> list[tuple[int, str, list[str]]]:
            rows = sorted((int(r["node_step"]), r["node_key"]) for r in nodes if r["funnel_key"] == key)
            return [
                (
                    s,
                    k,
                    [e["event_name"] for e in node_events if e["funnel_key"] == key and e["node_key"] == k],
                )
                for s, k in rows
            ]

        promos = [
            {
                "promo_key": r["promo_key"],
                "start": date.fromisoformat(r["start_date"]),
                "end": date.fromisoformat(r["end_date"]),
                "multiplier": float(r["expected_traffic_multiplier"]),
            }
            for r in read_seed("promotion_calendar")
        ]
        return cls(
            event_names=[r["event_name"] for r in cat],
            page_view_events={r["event_name"] for r in cat if r["is_page_view"].lower() == "true"},
            purchase_nodes=funnel("purchase"),
            activation_nodes=funnel("activation"),
            promotions=promos,
        )


@dataclass
class Options:
    """Command-line options of one generator run."""

    seed: int = 7
    start_date: date = date(2026, 10, 8)
    days: int = 42
    users: int = 40_000
    skus: int = 2_000
    faults: bool = True
    events_target: int | None = None


# Injected node breaks (the ``conversion_drop`` faults): (node step, node key, factor on the step's
# conversion, position in the run as a fraction of the candidate fault days, number of days). Sizes
# differ so the detectors are scored on a large, a medium and a small break.
NODE_BREAKS = (
    (17, "payment_success", 0.5, 0.35, 2),
    (5, "product_detail", 0.7, 0.55, 1),
    (12, "shipping_option", 0.8, 0.78, 1),
)


@dataclass
class FaultPlan:
    """Where the injected faults go (day offsets from the start date)."""

    # (node step, node key, factor, day offsets) per injected node break (gen_sessions.NODE_BREAKS)
    node_breaks: list[tuple[int, str, float, list[int]]] = field(default_factory=list)
    missing_hour: tuple[int, int] | None = None
    late_day: int | None = None
    duplicate_day: int | None = None
    outage: tuple[int, int] | None = None
    source_gap_day: int | None = None
    surge_start: int | None = None


def promo_multipliers(seeds: Seeds, opts: Options) -> tuple[np.ndarray, list[dict]]:
    """Traffic multiplier per day from ``promotion_calendar`` and the promotions inside the range."""
    mult = np.ones(opts.days)
    inside = []
    for p in seeds.promotions:
        hit = False
        for d in range(opts.days):
            day = opts.start_date + timedelta(days=d)
            if p["start"] <= day <= p["end"]:
                mult[d] = max(mult[d], p["multiplier"])
                hit = True
        if hit:
            inside.append(p)
    return mult, inside


def day_multipliers(seeds: Seeds, opts: Options) -> np.ndarray:
    """Expected traffic per day relative to a normal weekday (weekly seasonality x promotions)."""
    promo, _ = promo_multipliers(seeds, opts)
    wk = np.array([WEEKDAY_MULT[(opts.start_date + timedelta(days=d)).weekday()] for d in range(opts.days)])
    return wk * promo


def plan_faults(seeds: Seeds, opts: Options) -> FaultPlan:
    """Deterministic fault days that scale with ``--days``.

    Event-level faults go after the first 10 days (anomaly baselines need history) and never on a
    promotion day; each lands on its own day. Runs of 14+ days hold all of them.
    """
    fp = FaultPlan()
    D = opts.days
    fp.surge_start = int(min(max(7, round(0.4 * D)), max(D - 7, 1)))
    if not opts.faults:
        fp.surge_start = None
        return fp
    promo, _ = promo_multipliers(seeds, opts)
    lo = 10 if D >= 14 else max(1, D // 2)
    cands = [d for d in range(lo, D) if promo[d] == 1.0]
    if len(cands) < 4:
        cands = [d for d in range(1, D) if promo[d] == 1.0] or list(range(1, D))
    n = len(cands)

    def pick(frac: float, taken: set[int]) -> int:
        i = min(int(frac * n), n - 1)
        for off in range(n):
            for j in (i + off, i - off):
                if 0 <= j < n and cands[j] not in taken:
                    return cands[j]
        return cands[i]

    taken: set[int] = set()

    def place_break(step: int, key: str, factor: float, frac: float, length: int) -> None:
        first = pick(frac, taken)
        days = [first]
        j = cands.index(first)
        while len(days) < length and n >= 8 and j + 1 < n and cands[j + 1] == days[-1] + 1:
            j += 1
            days.append(cands[j])
        taken.update(days)
        # the day before a break is not a clean baseline day either (chains cross midnight)
        taken.add(first - 1)
        fp.node_breaks.append((step, key, factor, days))

    first_break, *other_breaks = NODE_BREAKS
    place_break(*first_break)
    mh = pick(0.10, taken)
    taken.add(mh)
    fp.missing_hour = (mh, 14)
    fp.late_day = pick(0.62, taken)
    taken.add(fp.late_day)
    od = pick(0.85, taken)
    taken.add(od)
    fp.outage = (od, 10)
    if n >= 10:  # short runs hold only the first break
        for spec in other_breaks:
            place_break(*spec)
    fp.duplicate_day = pick(0.20, set())
    fp.source_gap_day = pick(0.45, set())
    return fp


# --------------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------------
@dataclass
class Catalog:
    """SKU master data and demand weights."""

    n: int
    sku_num: np.ndarray
    category: np.ndarray
    brand: np.ndarray
    price: np.ndarray
    launched_day: np.ndarray  # epoch day
    listed: np.ndarray
    popularity: np.ndarray  # Zipf weight
    rank: np.ndarray

    @classmethod
    def build(cls, opts: Options, start_day: int) -> Catalog:
        """Random but reproducible catalogue of ``opts.skus`` SKUs."""
        rng = rng_for(opts.seed, 1)
        n = opts.skus
        rank = rng.permutation(n)
        popularity = 1.0 / (rank + 1.0) ** ZIPF_S
        category = rng.integers(0, len(CATEGORIES), n)
        brand = category * 15 + rng.integers(0, 15, n)
        price = CATEGORY_PRICE[category] * np.exp(rng.normal(0, 0.55, n))
        price = np.clip(np.floor(price) + 0.99, 1.99, 4999.99)
        launched = start_day - rng.integers(20, 1500, n)
        new = rng.random(n) < 0.02
        launched[new] = start_day + rng.integers(1, max(opts.days, 2), new.sum())
        listed = rng.random(n) >= 0.02
        top = rank < max(50, n // 20)  # the head of the catalogue is always listed and launched
        listed[top] = True
        launched[top] = np.minimum(launched[top], start_day - 20)
        return cls(n, np.arange(1, n + 1), category, brand, price, launched, listed, popularity, rank)

    def sku_ids(self, idx: np.ndarray, valid: np.ndarray | None = None) -> pa.StringArray:
        """``SKU-00001``-style ids for SKU indices."""
        return fixed_ids("SKU-", np.asarray(idx) + 1, 5, valid)

    def table(self, ingested_ms: np.ndarray) -> pa.Table:
        """The ``sku_catalog`` rows."""
        idx = np.arange(self.n)
        brand = fixed_ids("Brand ", self.brand, 3)
        name = pc.binary_join_element_wise(
            brand, categorical(self.category, CATEGORY_NOUN), fixed_ids("M", idx, 4), " "
        )
        return pa.table(
            {
                "sku_id": self.sku_ids(idx),
                "product_name": name,
                "category": categorical(self.category, CATEGORIES),
                "brand": brand,
                "list_price": pa.array(self.price, pa.float64()),
                "launched_date": date32(self.launched_day),
                "is_listed": pa.array(self.listed),
                "ingested_at": ts_ms(ingested_ms),
            }
        )


# --------------------------------------------------------------------------------------------------
# Population
# --------------------------------------------------------------------------------------------------
@dataclass
class Population:
    """Users and devices with their (mutable) identity state."""

    n_users: int
    user_tier: np.ndarray
    n_dev: int
    owner: np.ndarray  # user index or -1 (anonymous, never logs in)
    platform: np.ndarray
    version: np.ndarray
    slow: np.ndarray
    variant: np.ndarray
    region: np.ndarray
    rate: np.ndarray  # expected sessions per normal day once active
    first_day: np.ndarray  # day offset the device becomes active (new users), -1 if already active
    is_new: np.ndarray
    registers: np.ndarray
    kfu_day: np.ndarray  # day offset of the first key-feature use (-1 never)
    xd_partner: np.ndarray  # cross-device partner: for an app device A, its web device B
    logged_in: np.ndarray  # state: device has logged in (carries user_id)
    assigned: np.ndarray  # state: experiment assignment written
    busy_until: np.ndarray  # state: end of the device's last session (epoch ms)
    xd_used: np.ndarray  # state: cross-device journey done

    @classmethod
    def build(cls, opts: Options) -> Population:
        """Users (returning and new), their devices, and anonymous guest devices."""
        rng = rng_for(opts.seed, 2)
        U, D = opts.users, opts.days
        tier = rng.choice(3, U, p=TIER_P)
        is_new_user = rng.random(U) < 0.12
        tier[is_new_user] = 0
        ndev = np.where(is_new_user, 1, rng.choice([1, 2, 3], U, p=[0.68, 0.25, 0.07]))
        registers_user = ~is_new_user | (rng.random(U) < 0.62)
        owner_u = np.repeat(np.arange(U), ndev)
        rank_in_user = np.arange(len(owner_u)) - np.repeat(np.cumsum(ndev) - ndev, ndev)
        n_anon = int(0.9 * U)
        n_dev = len(owner_u) + n_anon
        owner = np.concatenate([owner_u, np.full(n_anon, -1)])
        user_dev = np.arange(len(owner_u))
        new_dev = np.zeros(n_dev, bool)
        new_dev[user_dev] = is_new_user[owner_u]
        platform = rng.choice(3, n_dev, p=[0.50, 0.35, 0.15])
        platform[new_dev] = 0  # new users arrive by installing the app
        # Cross-device candidates: returning users with 2+ devices, web B (logged in) + app A (not).
        multi = (~is_new_user) & (ndev >= 2)
        xd_users = np.flatnonzero(multi & (rng.random(U) < 0.45))
        first_dev = np.cumsum(ndev) - ndev
        b_dev, a_dev = first_dev[xd_users], first_dev[xd_users] + 1
        platform[b_dev] = 1
        platform[a_dev] = 0
        xd_partner = np.full(n_dev, -1)
        xd_partner[a_dev] = b_dev
        logged = np.zeros(n_dev, bool)
        primary = np.zeros(n_dev, bool)
        primary[user_dev] = rank_in_user == 0
        logged[user_dev] = (~is_new_user[owner_u]) & ((rank_in_user == 0) | (rng.random(len(owner_u)) < 0.4))
        logged[a_dev] = False
        logged[b_dev] = True
        # Unregistered new users have no account: their device behaves like an anonymous one.
        owner[user_dev[~registers_user[owner_u]]] = -1
        registers = np.zeros(n_dev, bool)
        registers[user_dev] = is_new_user[owner_u] & registers_user[owner_u]
        first_day = np.full(n_dev, -1)
        first_day[new_dev] = rng.integers(0, D, new_dev.sum())
        kfu_day = np.full(n_dev, -1)
        act = registers & (rng.random(n_dev) < 0.55)
        kfu_day[act] = first_day[act] + np.where(
            rng.random(act.sum()) < 0.5, 0, rng.geometric(0.35, act.sum())
        )
        mean_rate = np.where(owner_u >= 0, np.where(primary[user_dev], 0.26, 0.11), 0)
        rate = np.empty(n_dev)
        rate[user_dev] = mean_rate
        rate[new_dev] = 0.30
        rate[len(owner_u) :] = 0.06
        rate[a_dev] = 0.15
        rate *= rng.gamma(1.5, 1 / 1.5, n_dev)
        version = rng.choice(3, n_dev, p=[0.55, 0.30, 0.15])
        slow = rng.random(n_dev) < SLOW_SHARE
        version[slow] = SLOW_VERSION
        return cls(
            n_users=U,
            user_tier=tier,
            n_dev=n_dev,
            owner=owner,
            platform=platform,
            version=version,
            slow=slow,
            variant=(rng.random(n_dev) < 0.5).astype(np.int8),
            region=rng.choice(3, n_dev, p=REGION_P),
            rate=rate,
            first_day=first_day,
            is_new=new_dev,
            registers=registers,
            kfu_day=kfu_day,
            xd_partner=xd_partner,
            logged_in=logged,
            assigned=np.zeros(n_dev, bool),
            busy_until=np.full(n_dev, np.iinfo(np.int64).min // 4),
            xd_used=np.zeros(n_dev, bool),
        )


# --------------------------------------------------------------------------------------------------
# Marketing
# --------------------------------------------------------------------------------------------------
@dataclass
class Marketing:
    """Promoted SKUs and their exposure rows (channel x campaign x SKU)."""

    row_campaign: np.ndarray
    row_sku: np.ndarray
    row_weight: np.ndarray
    row_ctr: np.ndarray
    surge_skus: np.ndarray

    @classmethod
    def build(cls, opts: Options, cat: Catalog, start_day: int) -> Marketing:
        """Choose the promoted subset (popular SKUs more likely) and the surge SKUs."""
        rng = rng_for(opts.seed, 3)
        eligible = cat.listed & (cat.launched_day <= start_day)
        # Surge SKUs: 3 best-sellers (ranks 4..10 of the catalogue), so even small runs sell them daily.
        pool = np.flatnonzero(eligible & (cat.rank >= 3) & (cat.rank < 10))
        surge = (
            np.sort(rng.choice(pool, size=min(3, len(pool)), replace=False))
            if len(pool)
            else np.array([], int)
        )
        n_promo = max(10, int(0.07 * cat.n))
        w = np.where(eligible, np.sqrt(cat.popularity), 0)
        w[surge] = 0
        promo = rng.choice(cat.n, size=min(n_promo, int((w > 0).sum())), replace=False, p=w / w.sum())
        promo = np.sort(np.concatenate([promo, surge]))
        rows_c, rows_s = [], []
        for s in promo:  # per promoted SKU (a few hundred): pick 1-3 campaigns
            k = rng.choice([1, 2, 3], p=[0.45, 0.35, 0.20])
            for c in rng.choice(len(CAMPAIGNS), size=k, replace=False):
                rows_c.append(c)
                rows_s.append(s)
        row_campaign = np.array(rows_c)
        row_sku = np.array(rows_s)
        lo = np.array([CAMPAIGNS[c][4][0] for c in row_campaign])
        hi = np.array([CAMPAIGNS[c][4][1] for c in row_campaign])
        weight = np.exp(rng.normal(0, 0.7, len(row_sku))) * np.sqrt(
            cat.popularity[row_sku] / cat.popularity.max()
        )
        order = np.lexsort((row_campaign, row_sku))
        return cls(
            row_campaign[order],
            row_sku[order],
            weight[order],
            (lo + (hi - lo) * rng.random(len(lo)))[order],
            surge,
        )


def surge_demand_multiplier(k: int) -> float:
    """Demand multiplier of a surge SKU ``k`` days after its surge started (k < 0: none)."""
    return 1.0 if k < 0 else float(SURGE_RAMP[min(k, len(SURGE_RAMP) - 1)])


def surge_spend_multiplier(k: int) -> float:
    """Marketing weight multiplier of a surge SKU ``k`` days after its surge started: paid traffic
    follows demand (bidding chases conversions) up to 6x."""
    return min(surge_demand_multiplier(k), 6.0)


# --------------------------------------------------------------------------------------------------
# Inventory and replenishment
# --------------------------------------------------------------------------------------------------
class Inventory:
    """Stock per SKU x warehouse, end-of-day snapshots and replenishment purchase orders.

    Day cycle: morning - ship yesterday's reservations and receive arriving POs; during the day - paid
    units are reserved (never more than is on hand); evening - reorder where the inventory position
    (on hand - reserved + inbound) is below the reorder point, then snapshot.
    """

    def __init__(
        self,
        opts: Options,
        cat: Catalog,
        expected_units: np.ndarray,
        surge: np.ndarray,
        surge_start: int | None,
        start_day: int,
        day_mult: np.ndarray,
    ):
        rng = rng_for(opts.seed, 4)
        # Planners know the traffic calendar (weekends, promotions): cumulative expected demand factor.
        ext = np.concatenate([day_mult, np.full(40, float(np.mean(WEEKDAY_MULT)))])
        self.day_mult = ext
        self.cum_mult = np.concatenate([[0.0], np.cumsum(ext)])
        self.seed = opts.seed
        self.start_day = start_day
        n = cat.n
        self.cat = cat
        self.lead = rng.integers(3, 11, n)
        self.safety = rng.uniform(0.8, 1.8, n)
        tail = cat.rank >= n * 0.4
        self.safety[tail] = rng.uniform(0.7, 1.4, tail.sum())  # long-tail SKUs are under-protected
        share = np.tile(REGION_P, (n, 1))
        single = tail & (rng.random(n) < 0.7)  # most long-tail SKUs sit in one warehouse
        wh = rng.choice(3, n, p=REGION_P)
        share[single] = 0
        share[single, wh[single]] = 1.0
        self.share = share
        self.prior = expected_units[:, None] * share  # expected units per day per warehouse
        self.ema = self.prior.copy()
        cover = rng.uniform(4, 22, (n, 1))
        self.on_hand = np.ceil(self.prior * cover + (share > 0) * rng.integers(0, 3, (n, 3))).astype(np.int64)
        self.reserved = np.zeros((n, 3), np.int64)
        self.inbound = np.zeros((n, 3), np.int64)
        self.surge = surge
        self.surge_start = surge_start if len(surge) else None
        self.hold = np.zeros(n, bool)
        self.sold_hist: list[np.ndarray] = []
        if self.surge_start is not None:
            self.safety[surge] = 1.8
            self.lead[surge] = 1  # short lead before the surge: nothing still in transit when it starts
            self.share[surge] = REGION_P
            self.prior[surge] = expected_units[surge, None] * REGION_P
            self.on_hand[surge] = np.ceil(self.prior[surge] * 10).astype(np.int64)
        self.surge_lead_after = rng.integers(8, 11, n)
        self.po_sku = np.zeros(0, np.int64)
        self.po_wh = np.zeros(0, np.int64)
        self.po_qty = np.zeros(0, np.int64)
        self.po_num = np.zeros(0, np.int64)
        self.po_ordered = np.zeros(0, np.int64)
        self.po_expected = np.zeros(0, np.int64)
        self.po_received = np.zeros(0, np.int64)
        self.next_po = 1
        self.stockout_days = 0
        self.sku_days = 0
        self.first_stockout: dict[int, int] = {}

    def morning(self, d: int) -> pa.Table | None:
        """Ship yesterday's reservations, receive POs arriving today; returns the ``received`` rows."""
        self.on_hand -= self.reserved
        self.reserved[:] = 0
        arrive = self.po_received == d
        if not arrive.any():
            return None
        s, w, q = self.po_sku[arrive], self.po_wh[arrive], self.po_qty[arrive]
        np.add.at(self.on_hand, (s, w), q)
        np.add.at(self.inbound, (s, w), -q)
        rng = rng_for(self.seed, 40, d)
        upd = (self.start_day + d) * MS_PER_DAY + 7 * MS_PER_HOUR + rng.integers(0, 4 * MS_PER_HOUR, len(s))
        tbl = self._po_table(np.flatnonzero(arrive), "received", upd, rng)
        keep = ~arrive
        for name in ("po_sku", "po_wh", "po_qty", "po_num", "po_ordered", "po_expected", "po_received"):
            setattr(self, name, getattr(self, name)[keep])
        return tbl

    def available(self) -> np.ndarray:
        """Units that can still be sold per SKU (all warehouses)."""
        return (self.on_hand - self.reserved).sum(axis=1)

    def sell(self, units: np.ndarray, rng: np.random.Generator) -> None:
        """Reserve the day's paid ``units`` per SKU, preferring warehouses by regional demand share."""
        free = self.on_hand - self.reserved
        units = np.minimum(units, free.sum(axis=1))
        alloc = np.minimum(np.floor(units[:, None] * self.share).astype(np.int64), free)
        rem = units - alloc.sum(axis=1)
        for w in np.argsort(-REGION_P):
            take = np.minimum(rem, free[:, w] - alloc[:, w])
            alloc[:, w] += take
            rem -= take
        self.reserved += alloc
        self.ema = 0.8 * self.ema + 0.2 * alloc / self.day_mult[len(self.sold_hist)]
        self.sold_hist.append(alloc.sum(axis=1))

    def _campaign_stock(self, d: int, rng, tbl: pa.Table | None) -> pa.Table | None:
        """Expedited stock for the surge SKUs' campaign: ordered the evening before the surge, it
        arrives that morning and tops the position up to SURGE_STOCK_WEEKS x the last 7 days' sales;
        no further orders until the SKU runs out (it then sells out a few days into the surge)."""
        s = self.surge
        hist = np.array(self.sold_hist[-7:])[:, s] if self.sold_hist else np.zeros((1, len(s)))
        week = np.maximum(hist.sum(axis=0), 3)
        pos = (self.on_hand[s] - self.reserved[s] + self.inbound[s]).sum(axis=1)
        qty_tot = np.maximum(np.ceil(SURGE_STOCK_WEEKS * week - pos), 0).astype(np.int64)
        self.hold[s] = True
        alloc = np.floor(qty_tot[:, None] * REGION_P).astype(np.int64)
        alloc[:, 0] += qty_tot - alloc.sum(axis=1)
        si, wi = np.nonzero(alloc > 0)
        if len(si) == 0:
            return tbl
        skus, qty = s[si], alloc[si, wi]
        num = self.next_po + np.arange(len(si))
        self.next_po += len(si)
        base = len(self.po_sku)
        self.po_sku = np.concatenate([self.po_sku, skus])
        self.po_wh = np.concatenate([self.po_wh, wi])
        self.po_qty = np.concatenate([self.po_qty, qty])
        self.po_num = np.concatenate([self.po_num, num])
        self.po_ordered = np.concatenate([self.po_ordered, np.full(len(si), d)])
        self.po_expected = np.concatenate([self.po_expected, np.full(len(si), d + 1)])
        self.po_received = np.concatenate([self.po_received, np.full(len(si), d + 1)])
        np.add.at(self.inbound, (skus, wi), qty)
        upd = (
            (self.start_day + d) * MS_PER_DAY
            + 21 * MS_PER_HOUR
            + rng.integers(0, 30 * MS_PER_MINUTE, len(si))
        )
        extra = self._po_table(base + np.arange(len(si)), "ordered", upd, rng)
        return extra if tbl is None else pa.concat_tables([tbl, extra])

    def evening(self, d: int, hold_release: np.ndarray) -> tuple[pa.Table | None, pa.Table]:
        """Place replenishment orders and take the end-of-day snapshot (``ordered`` rows, snapshot)."""
        rng = rng_for(self.seed, 41, d)
        day = self.start_day + d
        avail = self.on_hand - self.reserved
        tot = avail.sum(axis=1)
        listed = self.cat.listed
        self.sku_days += int(listed.sum())
        self.stockout_days += int((listed & (tot <= 0)).sum())
        if self.surge_start is not None and d >= self.surge_start:
            for s in self.surge[tot[self.surge] <= 0]:
                self.first_stockout.setdefault(int(s), d)
        if self.surge_start is not None and d < self.surge_start:
            hold_release = np.zeros_like(hold_release)
        released = self.hold & hold_release
        self.hold &= ~hold_release
        self.lead[released] = self.surge_lead_after[released]  # the supplier is slow to refill a surge SKU
        rate = 0.5 * self.prior + 0.5 * self.ema  # units per normal day
        cm = self.cum_mult
        lead_f = cm[d + 1 + self.lead] - cm[d + 1]
        cycle_f = cm[d + 15 + self.lead] - cm[d + 1 + self.lead]
        rop = np.ceil(rate * (lead_f * self.safety)[:, None])
        target = rop + np.ceil(rate * cycle_f[:, None])
        pos = avail + self.inbound
        need = (pos < rop) & (self.share > 0) & ~self.hold[:, None] & listed[:, None]
        s, w = np.nonzero(need)
        tbl = None
        if len(s):
            qty = np.maximum(target[s, w] - pos[s, w], 1).astype(np.int64)
            num = self.next_po + np.arange(len(s))
            self.next_po += len(s)
            exp_day = d + self.lead[s]
            rec_day = exp_day + rng.choice([-1, 0, 0, 0, 1, 2], len(s))
            rec_day = np.maximum(rec_day, d + 1)
            base = len(self.po_sku)
            self.po_sku = np.concatenate([self.po_sku, s])
            self.po_wh = np.concatenate([self.po_wh, w])
            self.po_qty = np.concatenate([self.po_qty, qty])
            self.po_num = np.concatenate([self.po_num, num])
            self.po_ordered = np.concatenate([self.po_ordered, np.full(len(s), d)])
            self.po_expected = np.concatenate([self.po_expected, exp_day])
            self.po_received = np.concatenate([self.po_received, rec_day])
            np.add.at(self.inbound, (s, w), qty)
            upd = day * MS_PER_DAY + 22 * MS_PER_HOUR + rng.integers(0, 90 * MS_PER_MINUTE, len(s))
            tbl = self._po_table(base + np.arange(len(s)), "ordered", upd, rng)
        if self.surge_start is not None and d == self.surge_start - 1:
            tbl = self._campaign_stock(d, rng, tbl)
        n = self.cat.n
        snap_ing = (day + 1) * MS_PER_DAY + 30 * MS_PER_MINUTE + rng.integers(0, 40 * MS_PER_MINUTE, n * 3)
        snap = pa.table(
            {
                "snapshot_date": date32(np.full(n * 3, day)),
                "sku_id": self.cat.sku_ids(np.repeat(np.arange(n), 3)),
                "warehouse_id": categorical(np.tile(np.arange(3), n), WAREHOUSES),
                "on_hand": pa.array(self.on_hand.ravel().astype(np.int32)),
                "reserved": pa.array(self.reserved.ravel().astype(np.int32)),
                "inbound": pa.array(self.inbound.ravel().astype(np.int32)),
                "ingested_at": ts_ms(snap_ing),
            }
        )
        return tbl, snap

    def _po_table(self, idx: np.ndarray, status: str, updated: np.ndarray, rng) -> pa.Table:
        """Replenishment change records (``ordered`` or ``received``) for PO rows ``idx``."""
        rec = status == "received"
        n = len(idx)
        ingest = updated + rng.integers(5 * MS_PER_MINUTE, 60 * MS_PER_MINUTE, n)
        return pa.table(
            {
                "po_id": fixed_ids("PO", self.po_num[idx], 8),
                "sku_id": self.cat.sku_ids(self.po_sku[idx]),
                "warehouse_id": categorical(self.po_wh[idx], WAREHOUSES),
                "status": pa.array([status] * n, pa.string()),
                "ordered_date": date32(self.start_day + self.po_ordered[idx]),
                "expected_date": date32(self.start_day + self.po_expected[idx]),
                "received_date": date32(self.start_day + self.po_received[idx], np.full(n, rec)),
                "quantity_ordered": pa.array(self.po_qty[idx].astype(np.int32)),
                "quantity_received": pa.array(self.po_qty[idx].astype(np.int32), mask=np.full(n, not rec)),
                "updated_at": ts_ms(updated),
                "ingested_at": ts_ms(ingest),
            }
        )


def expected_sessions_per_day(pop: Population, opts: Options) -> float:
    """Rough expected sessions on a normal day (used to size stock and to scale ``--events``)."""
    active = np.where(pop.first_day < 0, 1.0, np.clip((opts.days - pop.first_day) / max(opts.days, 1), 0, 1))
    return float((pop.rate * active).sum())


def start_epoch_day(opts: Options) -> int:
    """Epoch day number of ``--start-date``."""
    return (opts.start_date - date(1970, 1, 1)).days


def ceil_div(a: int, b: int) -> int:
    """Integer ceiling division."""
    return -(-a // b)
