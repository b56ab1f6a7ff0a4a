"""Vectorised session engine: plans sessions, walks them down the 17-node purchase path and expands
them into clickstream events.

A session is a row of a *plan* (numpy columns). Its events come from a fixed template of *slots*
(entry, home, browse, listing, product views, cart, checkout steps, off-path extras...): a boolean
mask per (session, slot) says which slots fire, ``np.nonzero`` flattens the mask into events already
ordered by session and slot, and a cumulative sum of per-event gaps gives strictly increasing,
millisecond-precision event times. Nothing loops per session or per event in Python; loops run over
the 17 funnel steps and the ~50 slots only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from keynode.generator.params import (
    APP_VERSIONS,
    CAMPAIGNS,
    COUPONS,
    TIERS,
    VARIANTS,
)
from keynode.generator.util import MS_PER_HOUR, MS_PER_MINUTE, categorical, fixed_ids

# ---- session kinds -------------------------------------------------------------------------------
K_REGULAR, K_JOURNEY_A, K_JOURNEY_B, K_LOGIN_A, K_RETURN, K_PUSH, K_OPEN_BOUNCE = range(7)

# ---- slot template (order = order of events within a session) ---------------------------------------
SLOTS = (
    [
        "first_open",
        "register",
        "push_received",
        "push_opened",
        "entry",
        "login_early",
        "kfu",
        "home",
        "browse",
        "browse_repeat",
        "listing",
    ]
    + [f"{s}_{k}" for k in range(4) for s in ("pv_other", "off", "listback")]
    + ["pv_main", "review", "fav", "sku_select", "atc"]
    + [f"{s}_{j}" for j in range(2) for s in ("x_list", "x_pv", "x_sel", "x_atc")]
    + [
        "cart",
        "remove",
        "cart_repeat",
        "coupon_claim",
        "checkout",
        "login",
        "address",
        "shipping",
        "coupon_review",
        "order",
        "pay_view",
        "pay_submit",
        "pay_success",
    ]
)
S = {name: i for i, name in enumerate(SLOTS)}
NS = len(SLOTS)
N_OTHER, N_EXTRA = 4, 2

# Static event per slot (None = decided per session).
SLOT_EVENT = {
    "first_open": "first_open",
    "register": "register",
    "push_received": "push_received",
    "push_opened": "push_opened",
    "login_early": "login",
    "kfu": "key_feature_use",
    "home": "home_view",
    "browse_repeat": "search",
    "listing": "listing_view",
    "pv_main": "product_view",
    "review": "review_view",
    "sku_select": "sku_select",
    "atc": "add_to_cart",
    "cart": "cart_view",
    "remove": "remove_from_cart",
    "cart_repeat": "cart_view",
    "coupon_claim": "coupon_claimed",
    "checkout": "checkout_start",
    "address": "address_submit",
    "shipping": "shipping_select",
    "coupon_review": "coupon_review",
    "order": "order_submit",
    "pay_view": "payment_view",
    "pay_submit": "payment_submit",
    "pay_success": "payment_success",
    **{f"pv_other_{k}": "product_view" for k in range(4)},
    **{f"listback_{k}": "listing_view" for k in range(4)},
    **{f"x_list_{j}": "listing_view" for j in range(2)},
    **{f"x_pv_{j}": "product_view" for j in range(2)},
    **{f"x_sel_{j}": "sku_select" for j in range(2)},
    **{f"x_atc_{j}": "add_to_cart" for j in range(2)},
}
# Median gap (seconds) before the event of each slot; the first event of a session has gap 0.
SLOT_GAP_S = {
    "first_open": 0,
    "register": 45,
    "push_received": 0,
    "push_opened": 0,
    "entry": 3,
    "login_early": 15,
    "kfu": 30,
    "home": 6,
    "browse": 12,
    "browse_repeat": 20,
    "listing": 8,
    "pv_main": 14,
    "review": 30,
    "fav": 15,
    "sku_select": 25,
    "atc": 8,
    "cart": 10,
    "remove": 15,
    "cart_repeat": 20,
    "coupon_claim": 25,
    "checkout": 15,
    "login": 25,
    "address": 40,
    "shipping": 15,
    "coupon_review": 20,
    "order": 15,
    "pay_view": 3,
    "pay_submit": 30,
    "pay_success": 4,
    **{f"pv_other_{k}": 15 for k in range(4)},
    **{f"off_{k}": 20 for k in range(4)},
    **{f"listback_{k}": 25 for k in range(4)},
    **{f"x_list_{j}": 20 for j in range(2)},
    **{f"x_pv_{j}": 12 for j in range(2)},
    **{f"x_sel_{j}": 20 for j in range(2)},
    **{f"x_atc_{j}": 6 for j in range(2)},
}
GAP_MED_MS = np.array([SLOT_GAP_S[s] * 1000.0 for s in SLOTS])

PAGES = [
    "launch",
    "launch/deeplink",
    "landing/home",
    "landing/product",
    "landing/campaign",
    "landing/search",
    "home",
    "search_results",
    "category",
    "listing",
    "product_detail",
    "reviews",
    "cart",
    "coupon_center",
    "checkout",
    "login",
    "checkout/address",
    "checkout/shipping",
    "checkout/offers",
    "checkout/review",
    "payment",
    "order_confirmation",
    "onboarding",
    "register",
    "wishlist",
    "size_advisor",
    "notification",
]
PG = {p: i for i, p in enumerate(PAGES)}
EVENT_PAGE = {
    "home_view": "home",
    "search": "search_results",
    "category_view": "category",
    "listing_view": "listing",
    "product_view": "product_detail",
    "sku_select": "product_detail",
    "add_to_cart": "product_detail",
    "add_to_favourites": "product_detail",
    "share": "product_detail",
    "review_view": "reviews",
    "cart_view": "cart",
    "remove_from_cart": "cart",
    "coupon_claimed": "coupon_center",
    "checkout_start": "checkout",
    "login": "login",
    "guest_checkout": "checkout",
    "address_submit": "checkout/address",
    "shipping_select": "checkout/shipping",
    "coupon_review": "checkout/offers",
    "order_submit": "checkout/review",
    "payment_view": "payment",
    "payment_submit": "payment",
    "payment_success": "order_confirmation",
    "first_open": "onboarding",
    "register": "register",
    "push_opened": "notification",
}
FEATURES = ["wishlist", "size_advisor"]
GAP_BETWEEN_SESSIONS_MS = 35 * MS_PER_MINUTE  # > the 30-minute session timeout

# Conditional probability of reaching node k given node k-1 (k = 2..17), before modifiers.
STEP_P = {
    2: 0.80,
    3: 0.86,
    4: 0.86,
    5: 0.72,
    6: 0.60,
    7: 0.50,
    8: 0.80,
    9: 0.58,
    10: 0.90,
    11: 0.88,
    12: 0.93,
    13: 0.95,
    14: 0.90,
    15: 0.95,
    16: 0.88,
    17: 0.92,
}
SLOW_ATC_FACTOR = 0.55
TREATMENT_ATC_LIFT = 0.10

# Properties JSON templates: (prefix, middle, suffix) around up to two variable parts.
PROP_KINDS = {
    "empty": ("{}", "", ""),
    "entry": ('{"member_tier": "', '", "app_version": "', '"}'),
    "pv": ('{"variant": "', '", "app_version": "', '"}'),
    "order": ('{"order_id": "', "", '"}'),
    "push": ('{"campaign": "cart_reminder"}', "", ""),
    "first_open": ('{"app_version": "', "", '"}'),
    "kfu": ('{"feature": "', "", '"}'),
    "coupon": ('{"coupon_code": "', "", '"}'),
    "login": ('{"method": "password"}', "", ""),
    "register": ('{"method": "phone"}', "", ""),
    "share": ('{"share_channel": "link"}', "", ""),
}
PK = {k: i for i, k in enumerate(PROP_KINDS)}
EVENT_PROP = {
    "landing_view": "entry",
    "app_open": "entry",
    "product_view": "pv",
    "order_submit": "order",
    "payment_view": "order",
    "payment_submit": "order",
    "payment_success": "order",
    "push_received": "push",
    "push_opened": "push",
    "first_open": "first_open",
    "key_feature_use": "kfu",
    "coupon_claimed": "coupon",
    "login": "login",
    "register": "register",
    "share": "share",
}
VAR_LABELS = [""] + TIERS + VARIANTS + APP_VERSIONS + FEATURES + COUPONS
V_TIER, V_VARIANT = 1, 1 + len(TIERS)
V_VERSION = V_VARIANT + len(VARIANTS)
V_FEATURE = V_VERSION + len(APP_VERSIONS)
V_COUPON = V_FEATURE + len(FEATURES)

PLAN_FIELDS_2D = {
    "other": N_OTHER,
    "off": N_OTHER,
    "extra": N_EXTRA,
    "extra_qty": N_EXTRA,
    "extra_ok": N_EXTRA,
}


class Plan:
    """Columnar session plan: a dict of equally long numpy arrays (some 2-D)."""

    def __init__(self, cols: dict[str, np.ndarray]):
        self.c = cols

    def __len__(self) -> int:
        return len(self.c["dev"])

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["c"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def take(self, idx: np.ndarray) -> Plan:
        """Rows ``idx`` of the plan."""
        return Plan({k: v[idx] for k, v in self.c.items()})

    @staticmethod
    def concat(plans: list[Plan]) -> Plan:
        """Rows of several plans, in order."""
        plans = [p for p in plans if p is not None]
        keys = plans[0].c.keys()
        return Plan({k: np.concatenate([p.c[k] for p in plans]) for k in keys})

    @staticmethod
    def empty(n: int) -> Plan:
        """A plan of ``n`` sessions with neutral defaults (depth 1, nothing optional)."""
        c = {
            "dev": np.zeros(n, np.int64),
            "kind": np.zeros(n, np.int8),
            "start": np.zeros(n, np.int64),
            "depth": np.ones(n, np.int8),
            "src": np.zeros(n, np.int16),
            "med": np.zeros(n, np.int16),
            "camp": np.full(n, -1, np.int16),
            "row": np.full(n, -1, np.int32),
            "landing": np.zeros(n, np.int8),
            "main": np.zeros(n, np.int32),
            "qty": np.ones(n, np.int16),
            "n_other": np.zeros(n, np.int8),
            "review": np.zeros(n, bool),
            "fav": np.full(n, -1, np.int16),
            "browse": np.zeros(n, np.int16),
            "browse_rep": np.zeros(n, bool),
            "n_extra": np.zeros(n, np.int8),
            "remove": np.full(n, -1, np.int8),
            "cart_rep": np.zeros(n, bool),
            "claim": np.zeros(n, bool),
            "coupon": np.full(n, -1, np.int8),
            "guest": np.zeros(n, bool),
            "first_open": np.zeros(n, bool),
            "register": np.zeros(n, bool),
            "kfu": np.full(n, -1, np.int8),
            "login_early": np.zeros(n, bool),
            "push_opened": np.zeros(n, bool),
            "tag": np.full(n, -1, np.int64),
            "other": np.zeros((n, N_OTHER), np.int32),
            "off": np.full((n, N_OTHER), -1, np.int16),
            "extra": np.zeros((n, N_EXTRA), np.int32),
            "extra_qty": np.ones((n, N_EXTRA), np.int16),
            "extra_ok": np.zeros((n, N_EXTRA), bool),
        }
        return Plan(c)


@dataclass
class Flat:
    """Events of a plan before clock times: session index, slot, event code, SKU, quantity, page and
    the offset (ms) from the session start; plus each session's duration."""

    si: np.ndarray
    sl: np.ndarray
    ev: np.ndarray
    sku: np.ndarray
    qty: np.ndarray
    page: np.ndarray
    rel: np.ndarray
    dur: np.ndarray


@dataclass
class Labels:
    """Label lists for categorical columns and event-name codes."""

    events: list[str]
    sources: list[str]
    media: list[str]
    campaigns: list[str]
    ev: dict[str, int] = field(init=False)

    def __post_init__(self):
        self.ev = {e: i for i, e in enumerate(self.events)}


def make_labels(event_names: list[str]) -> Labels:
    """All utm sources / media / campaigns the generator can emit."""
    from keynode.generator.params import ORGANIC_UTM

    sources = sorted({s for s, _, _ in ORGANIC_UTM} | {s for c in CAMPAIGNS for s in c[3]} | {"app_push"})
    media = sorted({m for _, m, _ in ORGANIC_UTM} | {c[2] for c in CAMPAIGNS} | {"push"})
    campaigns = [c[1] for c in CAMPAIGNS] + ["cart_reminder"]
    return Labels(event_names, sources, media, campaigns)


# --------------------------------------------------------------------------------------------------
# Depth (how far down the purchase path a session walks)
# --------------------------------------------------------------------------------------------------
def walk_depth(
    rng,
    n: int,
    *,
    slow,
    treat,
    paid,
    main_oos,
    promo: bool,
    step_factor: np.ndarray | None = None,
    forced_min: np.ndarray | None = None,
    p7_base: np.ndarray | None = None,
) -> np.ndarray:
    """Node reached by each session (1..17): a Bernoulli draw per step, loop over the 16 steps.

    Modifiers: paid landings bounce more (step 2); slow-page devices and the experiment variant scale
    step 7 (add to cart) multiplicatively, from ``p7_base`` where given (high-intent visitors); an
    out-of-stock main SKU blocks step 7; promotion days lift checkout start; the ``conversion_drop``
    faults scale a step by ``step_factor[k]``. ``forced_min`` walks sessions to at least that node.
    """
    depth = np.ones(n, np.int8)
    alive = np.ones(n, bool)
    u = rng.random((n, 16))
    for k in range(2, 18):
        p = np.full(n, STEP_P[k])
        if k == 2:
            p[paid] = 0.72
        elif k == 7:
            if p7_base is not None:
                p = p7_base
            p = p * np.where(slow, SLOW_ATC_FACTOR, 1.0) * np.where(treat, 1 + TREATMENT_ATC_LIFT, 1.0)
            p[main_oos] = 0.0
        elif k == 9 and promo:
            p = p * 1.08
        if step_factor is not None and step_factor[k] != 1.0:
            p = p * step_factor[k]
        ok = u[:, k - 2] < p
        if forced_min is not None:
            ok |= (forced_min >= k) & ~(main_oos & (k == 7))
        alive &= ok
        depth += alive
    return depth


# --------------------------------------------------------------------------------------------------
# Stock cap
# --------------------------------------------------------------------------------------------------
def stock_cap(plan: Plan, avail: np.ndarray) -> np.ndarray:
    """Stop sessions from carting what is already sold out; returns units sold per SKU.

    Items of sessions that reach add-to-cart are ordered per SKU by session start; paid units
    accumulate, and once they would exceed what was available at the start of the day every later
    item of that SKU is out of stock: a main item caps its session at node 6 (views still happen), an
    extra item is simply not added. Sales therefore never exceed stock. Mutates ``plan``.
    """
    n = len(plan)
    c = plan.c
    carting = c["depth"] >= 7
    sess = [np.flatnonzero(carting)]
    skus = [c["main"][sess[0]]]
    qty = [c["qty"][sess[0]].astype(np.int64)]
    slot = [np.zeros(len(sess[0]), np.int64)]
    for j in range(N_EXTRA):
        s = np.flatnonzero(carting & (c["n_extra"] > j) & c["extra_ok"][:, j])
        sess.append(s)
        skus.append(c["extra"][s, j])
        qty.append(np.where(c["remove"][s] == j, 0, c["extra_qty"][s, j]).astype(np.int64))
        slot.append(np.full(len(s), j + 1))
    sess, skus, qty, slot = (np.concatenate(a) for a in (sess, skus, qty, slot))
    paid = c["depth"][sess] >= 17
    bought = np.where(paid, qty, 0)
    order = np.lexsort((slot, sess, c["start"][sess], skus))
    sk, bo = skus[order], bought[order]
    cum = np.cumsum(bo)
    first = np.r_[True, sk[1:] != sk[:-1]]
    base = np.maximum.accumulate(np.where(first, cum - bo, 0))
    incl = cum - base
    av = avail[sk]
    oos_sorted = (incl > av) | (incl - bo >= av)
    # The paid item that crosses the limit takes whatever is left (a smaller quantity).
    partial = (bo > 0) & (incl > av) & (incl - bo < av)
    oos_sorted &= ~partial
    oos = np.empty_like(oos_sorted)
    oos[order] = oos_sorted
    part = np.zeros(len(order), bool)
    part[order] = partial
    left = np.empty(len(order), np.int64)
    left[order] = av - (incl - bo)
    if part.any():
        ps, pj = sess[part], slot[part]
        m0 = pj == 0
        c["qty"][ps[m0]] = left[part][m0]
        for j in range(N_EXTRA):
            mj = pj == j + 1
            c["extra_qty"][ps[mj], j] = left[part][mj]
        bought = bought.copy()
        bought[part] = left[part]
    main_oos = np.zeros(n, bool)
    main_oos[sess[(slot == 0) & oos]] = True
    c["depth"][main_oos] = np.minimum(c["depth"][main_oos], 6)
    c["n_extra"][main_oos] = 0
    c["remove"][main_oos] = -1
    for j in range(N_EXTRA):
        s = sess[(slot == j + 1) & oos]
        c["extra_ok"][s, j] = False
        c["remove"][s[c["remove"][s] == j]] = -1
    sold = np.zeros(len(avail), np.int64)
    ok = ~oos & ~main_oos[sess]
    np.add.at(sold, skus[ok], bought[ok])
    return sold


# --------------------------------------------------------------------------------------------------
# Flatten a plan into events
# --------------------------------------------------------------------------------------------------
def slot_masks(plan: Plan) -> np.ndarray:
    """(sessions x slots) mask of which slots fire."""
    c = plan.c
    n = len(plan)
    d = c["depth"]
    M = np.zeros((n, NS), bool)
    M[:, S["first_open"]] = c["first_open"]
    M[:, S["register"]] = c["register"]
    M[:, S["push_received"]] = c["kind"] == K_PUSH
    M[:, S["push_opened"]] = c["push_opened"]
    M[:, S["entry"]] = d >= 1
    M[:, S["login_early"]] = c["login_early"] & (d >= 1)
    M[:, S["kfu"]] = (c["kfu"] >= 0) & (d >= 1)
    M[:, S["home"]] = d >= 2
    M[:, S["browse"]] = d >= 3
    M[:, S["browse_repeat"]] = (d >= 3) & c["browse_rep"]
    M[:, S["listing"]] = d >= 4
    for k in range(N_OTHER):
        on = (d >= 5) & (c["n_other"] > k)
        M[:, S[f"pv_other_{k}"]] = on
        M[:, S[f"off_{k}"]] = on & (c["off"][:, k] >= 0)
        M[:, S[f"listback_{k}"]] = on
    M[:, S["pv_main"]] = d >= 5
    M[:, S["review"]] = (d >= 5) & c["review"]
    M[:, S["fav"]] = (d >= 5) & (c["fav"] >= 0)
    M[:, S["sku_select"]] = d >= 6
    M[:, S["atc"]] = d >= 7
    for j in range(N_EXTRA):
        on = (d >= 7) & (c["n_extra"] > j)
        M[:, S[f"x_list_{j}"]] = on
        M[:, S[f"x_pv_{j}"]] = on
        M[:, S[f"x_sel_{j}"]] = on
        M[:, S[f"x_atc_{j}"]] = on & c["extra_ok"][:, j]
    M[:, S["cart"]] = d >= 8
    M[:, S["remove"]] = (d >= 8) & (c["remove"] >= 0)
    M[:, S["cart_repeat"]] = (d >= 8) & (c["cart_rep"] | (c["remove"] >= 0))
    M[:, S["coupon_claim"]] = (d >= 8) & c["claim"]
    for node, name in enumerate(
        [
            "checkout",
            "login",
            "address",
            "shipping",
            "coupon_review",
            "order",
            "pay_view",
            "pay_submit",
            "pay_success",
        ],
        start=9,
    ):
        M[:, S[name]] = d >= node
    return M


def order_units(plan: Plan) -> np.ndarray:
    """Units in the order a session would submit (main item + extras carted and not removed)."""
    c = plan.c
    units = c["qty"].astype(np.int64)
    for j in range(N_EXTRA):
        inc = (c["n_extra"] > j) & c["extra_ok"][:, j] & (c["remove"] != j)
        units = units + np.where(inc, c["extra_qty"][:, j], 0)
    return units


def flatten(plan: Plan, lab: Labels, platform: np.ndarray, rng) -> Flat:
    """Expand a plan into events (ordered by session, then slot) with offsets from session start."""
    c = plan.c
    n = len(plan)
    M = slot_masks(plan)
    si, sl = np.nonzero(M)
    ev_of = lab.ev
    static = np.array([ev_of[SLOT_EVENT[s]] if s in SLOT_EVENT else -1 for s in SLOTS], np.int16)
    ev = static[sl]
    plat = platform[si]
    m = sl == S["entry"]
    ev[m] = np.where(plat[m] == 0, ev_of["app_open"], ev_of["landing_view"])
    m = sl == S["browse"]
    ev[m] = c["browse"][si[m]]
    m = sl == S["login"]
    ev[m] = np.where(c["guest"][si[m]], ev_of["guest_checkout"], ev_of["login"])
    for k in range(N_OTHER):
        m = sl == S[f"off_{k}"]
        ev[m] = c["off"][si[m], k]
    m = sl == S["fav"]
    ev[m] = c["fav"][si[m]]

    # SKU per event: gather from a per-session source matrix.
    rem = np.clip(c["remove"], 0, N_EXTRA - 1)
    removed_sku = c["extra"][np.arange(n), rem]
    entry_sku = np.where(c["landing"] == 1, c["main"], -1)
    src = np.column_stack([np.full(n, -1), c["main"], c["other"], c["extra"], removed_sku, entry_sku])
    col = np.zeros(NS, np.int64)
    for name in ("pv_main", "review", "fav", "sku_select", "atc"):
        col[S[name]] = 1
    for k in range(N_OTHER):
        col[S[f"pv_other_{k}"]] = col[S[f"off_{k}"]] = 2 + k
    for j in range(N_EXTRA):
        col[S[f"x_pv_{j}"]] = col[S[f"x_sel_{j}"]] = col[S[f"x_atc_{j}"]] = 2 + N_OTHER + j
    col[S["remove"]] = 2 + N_OTHER + N_EXTRA
    col[S["entry"]] = 3 + N_OTHER + N_EXTRA
    sku = src[si, col[sl]].astype(np.int32)

    removed_qty = c["extra_qty"][np.arange(n), rem]
    qsrc = np.column_stack([np.zeros(n, np.int64), c["qty"], c["extra_qty"], removed_qty, order_units(plan)])
    qcol = np.zeros(NS, np.int64)
    qcol[S["atc"]] = 1
    for j in range(N_EXTRA):
        qcol[S[f"x_atc_{j}"]] = 2 + j
    qcol[S["remove"]] = 2 + N_EXTRA
    qcol[S["order"]] = 3 + N_EXTRA
    qty = qsrc[si, qcol[sl]].astype(np.int32)

    # Page per event.
    ev_page = np.full(len(lab.events), -1, np.int16)
    for e, p in EVENT_PAGE.items():
        ev_page[ev_of[e]] = PG[p]
    page = ev_page[ev]
    land_page = np.array(
        [PG["landing/home"], PG["landing/product"], PG["landing/campaign"], PG["landing/search"]], np.int16
    )
    m = sl == S["entry"]
    page[m] = np.where(
        plat[m] == 0,
        np.where(c["landing"][si[m]] == 1, PG["launch/deeplink"], PG["launch"]),
        land_page[c["landing"][si[m]]],
    )
    m = sl == S["kfu"]
    page[m] = np.where(c["kfu"][si[m]] == 1, PG["size_advisor"], PG["wishlist"])

    # Offsets: lognormal gaps, 0 for each session's first event; never two events in the same ms.
    gap = GAP_MED_MS[sl] * np.exp(rng.normal(0.0, 0.7, len(sl)))
    gap = np.clip(gap, 150.0, 20 * MS_PER_MINUTE).astype(np.int64)
    first = np.r_[True, si[1:] != si[:-1]] if len(si) else np.zeros(0, bool)
    gap[first] = 0
    cs = np.cumsum(gap)
    first_idx = np.flatnonzero(first)
    seg = np.repeat(cs[first_idx], np.diff(np.r_[first_idx, len(si)]))
    rel = cs - seg
    dur = np.zeros(n, np.int64)
    if len(si):
        last = np.r_[first_idx[1:] - 1, len(si) - 1]
        dur[si[last]] = rel[last]
    return Flat(si, sl, ev, sku, qty, page, rel, dur)


def resolve_starts(
    dev: np.ndarray, desired: np.ndarray, dur: np.ndarray, busy: np.ndarray, day_start: int
) -> np.ndarray:
    """Session start times with no overlap on a device: each session starts at its desired time or
    ``GAP_BETWEEN_SESSIONS_MS`` after the device's previous session (or ``busy``) ends, whichever is
    later. Input must be sorted by (device, desired start). Closed form with a grouped running max:
    ``s'_k = C_k + max(busy + gap, max_{j<=k}(s_j - C_j))`` with ``C`` the prefix sum of dur + gap."""
    n = len(dev)
    if n == 0:
        return desired.copy()
    g = GAP_BETWEEN_SESSIONS_MS
    c = dur + g
    cs = np.cumsum(c) - c
    first = np.r_[True, dev[1:] != dev[:-1]]
    gid = np.cumsum(first) - 1
    C = cs - cs[np.flatnonzero(first)][gid]
    v = (desired - day_start) - C
    big = np.int64(1) << 40
    cm = np.maximum.accumulate(v + gid * big) - gid * big
    b = np.maximum(busy[dev] - day_start + g, -10 * 24 * MS_PER_HOUR)
    return day_start + C + np.maximum(cm, b)


# --------------------------------------------------------------------------------------------------
# Events table
# --------------------------------------------------------------------------------------------------
def build_properties(
    kind: np.ndarray, var1: np.ndarray, var2: np.ndarray, order_mask: np.ndarray, order_num: np.ndarray
) -> pa.Array:
    """JSON text per event from templates (``PROP_KINDS``) and small label codes; order events get
    their order id spliced in."""
    kinds = list(PROP_KINDS.values())
    pre = categorical(kind, [k[0] for k in kinds])
    mid = categorical(kind, [k[1] for k in kinds])
    suf = categorical(kind, [k[2] for k in kinds])
    v1 = categorical(var1, VAR_LABELS)
    v2 = categorical(var2, VAR_LABELS)
    props = pc.binary_join_element_wise(pre, v1, mid, v2, suf, "")
    if order_mask.any():
        oid = fixed_ids('{"order_id": "O', order_num, 10)
        oprops = pc.binary_join_element_wise(oid, pa.array(['"}'] * len(order_num), pa.string()), "")
        props = pc.replace_with_mask(props, pa.array(order_mask), oprops)
    return props


def page_load(
    rng, ev: np.ndarray, page_view: np.ndarray, is_pv: np.ndarray, plat: np.ndarray, slow: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Page-load ms for page/screen views: lognormal by platform; the slow cohort's product pages
    always take > 3000 ms, every other page view stays below 3000 ms."""
    base = np.array([450.0, 1100.0, 800.0])[plat] * np.exp(rng.normal(0, 0.45, len(ev)))
    base = np.where(slow, base * 1.5, base)
    ms = np.clip(base, 60, 2950)
    slow_pv = slow & is_pv
    ms = np.where(slow_pv, 3000 + np.clip(1400 * np.exp(rng.normal(0, 0.5, len(ev))), 1, 12000), ms)
    return ms.astype(np.int32), page_view[ev]
