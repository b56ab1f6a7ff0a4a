"""Expansion of session plans into events.

A session's events come from the fixed template of slots (session_template): a boolean mask per
(session, slot) says which slots fire, ``np.nonzero`` flattens the mask into events already ordered by
session and slot, and a cumulative sum of per-event gaps gives strictly increasing, millisecond-precision
offsets from the session start. ``resolve_starts`` then places sessions on their device's timeline.
Nothing loops per session or per event in Python; loops run over the ~50 slots only.
"""

from __future__ import annotations

import numpy as np
from keynode.generator.plan import Labels, Plan, SessionEvents
from keynode.generator.session_template import (
    CHECKOUT_FIRST_NODE,
    CHECKOUT_SLOTS,
    EVENT_PAGE,
    GAP_BETWEEN_SESSIONS_MS,
    KIND_PUSH,
    N_EXTRA_ITEMS,
    N_OTHER_PRODUCTS,
    N_SLOTS,
    PAGE_CODE,
    SLOT_CODE,
    SLOT_EVENT,
    SLOT_GAP_MEDIAN_MS,
    SLOTS,
)
from keynode.generator.util import MS_PER_HOUR, MS_PER_MINUTE


def slot_masks(plan: Plan) -> np.ndarray:
    """(sessions x slots) mask of which slots fire: a slot fires when the session walked deep enough
    down the purchase path (``depth``) and, for optional slots, when its plan says so."""
    cols = plan.columns
    depth = cols["depth"]
    fires = np.zeros((len(plan), N_SLOTS), bool)

    def fire(slot: str, when) -> None:
        fires[:, SLOT_CODE[slot]] = when

    fire("first_open", cols["first_open"])
    fire("register", cols["register"])
    fire("push_received", cols["kind"] == KIND_PUSH)
    fire("push_opened", cols["push_opened"])
    fire("entry", depth >= 1)
    fire("login_early", cols["login_early"] & (depth >= 1))
    fire("kfu", (cols["kfu"] >= 0) & (depth >= 1))
    fire("home", depth >= 2)
    fire("browse", depth >= 3)
    fire("browse_repeat", (depth >= 3) & cols["browse_rep"])
    fire("listing", depth >= 4)
    for k in range(N_OTHER_PRODUCTS):
        viewed = (depth >= 5) & (cols["n_other"] > k)
        fire(f"pv_other_{k}", viewed)
        fire(f"off_{k}", viewed & (cols["off_path"][:, k] >= 0))
        fire(f"listback_{k}", viewed)
    fire("pv_main", depth >= 5)
    fire("review", (depth >= 5) & cols["review"])
    fire("fav", (depth >= 5) & (cols["fav"] >= 0))
    fire("sku_select", depth >= 6)
    fire("atc", depth >= 7)
    for j in range(N_EXTRA_ITEMS):
        looked = (depth >= 7) & (cols["n_extra"] > j)
        fire(f"x_list_{j}", looked)
        fire(f"x_pv_{j}", looked)
        fire(f"x_sel_{j}", looked)
        fire(f"x_atc_{j}", looked & cols["extra_ok"][:, j])
    fire("cart", depth >= 8)
    fire("remove", (depth >= 8) & (cols["remove"] >= 0))
    fire("cart_repeat", (depth >= 8) & (cols["cart_rep"] | (cols["remove"] >= 0)))
    fire("coupon_claim", (depth >= 8) & cols["claims_coupon"])
    for node, slot in enumerate(CHECKOUT_SLOTS, start=CHECKOUT_FIRST_NODE):
        fire(slot, depth >= node)
    return fires


def order_units(plan: Plan) -> np.ndarray:
    """Units in the order a session would submit (main item + extras carted and not removed)."""
    cols = plan.columns
    units = cols["qty"].astype(np.int64)
    for j in range(N_EXTRA_ITEMS):
        inc = (cols["n_extra"] > j) & cols["extra_ok"][:, j] & (cols["remove"] != j)
        units = units + np.where(inc, cols["extra_qty"][:, j], 0)
    return units


def expand(plan: Plan, labels: Labels, platform: np.ndarray, rng) -> SessionEvents:
    """Expand a plan into events (ordered by session, then slot) with offsets from session start.
    ``platform`` is the platform code of each plan row."""
    cols = plan.columns
    n = len(plan)
    session, slot = np.nonzero(slot_masks(plan))
    event_code = labels.event_codes
    static = np.array([event_code[SLOT_EVENT[s]] if s in SLOT_EVENT else -1 for s in SLOTS], np.int16)
    event = static[slot]
    plat = platform[session]
    at = slot == SLOT_CODE["entry"]
    event[at] = np.where(plat[at] == 0, event_code["app_open"], event_code["landing_view"])
    at = slot == SLOT_CODE["browse"]
    event[at] = cols["browse"][session[at]]
    at = slot == SLOT_CODE["login"]
    event[at] = np.where(cols["guest"][session[at]], event_code["guest_checkout"], event_code["login"])
    for k in range(N_OTHER_PRODUCTS):
        at = slot == SLOT_CODE[f"off_{k}"]
        event[at] = cols["off_path"][session[at], k]
    at = slot == SLOT_CODE["fav"]
    event[at] = cols["fav"][session[at]]

    # SKU per event: gather from a per-session source matrix (column 0 = no SKU).
    removed = np.clip(cols["remove"], 0, N_EXTRA_ITEMS - 1)
    removed_sku = cols["extra"][np.arange(n), removed]
    entry_sku = np.where(cols["landing"] == 1, cols["main"], -1)
    sku_source = np.column_stack(
        [np.full(n, -1), cols["main"], cols["other"], cols["extra"], removed_sku, entry_sku]
    )
    sku_column = np.zeros(N_SLOTS, np.int64)
    for name in ("pv_main", "review", "fav", "sku_select", "atc"):
        sku_column[SLOT_CODE[name]] = 1
    for k in range(N_OTHER_PRODUCTS):
        sku_column[SLOT_CODE[f"pv_other_{k}"]] = sku_column[SLOT_CODE[f"off_{k}"]] = 2 + k
    for j in range(N_EXTRA_ITEMS):
        for name in ("x_pv", "x_sel", "x_atc"):
            sku_column[SLOT_CODE[f"{name}_{j}"]] = 2 + N_OTHER_PRODUCTS + j
    sku_column[SLOT_CODE["remove"]] = 2 + N_OTHER_PRODUCTS + N_EXTRA_ITEMS
    sku_column[SLOT_CODE["entry"]] = 3 + N_OTHER_PRODUCTS + N_EXTRA_ITEMS
    sku = sku_source[session, sku_column[slot]].astype(np.int32)

    # Quantity per event, the same way (column 0 = no quantity).
    removed_qty = cols["extra_qty"][np.arange(n), removed]
    quantity_source = np.column_stack(
        [np.zeros(n, np.int64), cols["qty"], cols["extra_qty"], removed_qty, order_units(plan)]
    )
    quantity_column = np.zeros(N_SLOTS, np.int64)
    quantity_column[SLOT_CODE["atc"]] = 1
    for j in range(N_EXTRA_ITEMS):
        quantity_column[SLOT_CODE[f"x_atc_{j}"]] = 2 + j
    quantity_column[SLOT_CODE["remove"]] = 2 + N_EXTRA_ITEMS
    quantity_column[SLOT_CODE["order"]] = 3 + N_EXTRA_ITEMS
    quantity = quantity_source[session, quantity_column[slot]].astype(np.int32)

    # Page per event.
    page_of_event = np.full(len(labels.events), -1, np.int16)
    for e, p in EVENT_PAGE.items():
        page_of_event[event_code[e]] = PAGE_CODE[p]
    page = page_of_event[event]
    landing_pages = ["landing/home", "landing/product", "landing/campaign", "landing/search"]
    landing_page = np.array([PAGE_CODE[p] for p in landing_pages], np.int16)
    at = slot == SLOT_CODE["entry"]
    page[at] = np.where(
        plat[at] == 0,
        np.where(cols["landing"][session[at]] == 1, PAGE_CODE["launch/deeplink"], PAGE_CODE["launch"]),
        landing_page[cols["landing"][session[at]]],
    )
    at = slot == SLOT_CODE["kfu"]
    page[at] = np.where(cols["kfu"][session[at]] == 1, PAGE_CODE["size_advisor"], PAGE_CODE["wishlist"])

    # Offsets: lognormal gaps, 0 for each session's first event; never two events in the same ms.
    gap = SLOT_GAP_MEDIAN_MS[slot] * np.exp(rng.normal(0.0, 0.7, len(slot)))
    gap = np.clip(gap, 150.0, 20 * MS_PER_MINUTE).astype(np.int64)
    first = np.r_[True, session[1:] != session[:-1]] if len(session) else np.zeros(0, bool)
    gap[first] = 0
    elapsed = np.cumsum(gap)
    first_idx = np.flatnonzero(first)
    session_base = np.repeat(elapsed[first_idx], np.diff(np.r_[first_idx, len(session)]))
    offset_ms = elapsed - session_base
    duration_ms = np.zeros(n, np.int64)
    if len(session):
        last = np.r_[first_idx[1:] - 1, len(session) - 1]
        duration_ms[session[last]] = offset_ms[last]
    return SessionEvents(session, slot, event, sku, quantity, page, offset_ms, duration_ms)


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
    step = dur + g
    cs = np.cumsum(step) - step
    first = np.r_[True, dev[1:] != dev[:-1]]
    gid = np.cumsum(first) - 1
    C = cs - cs[np.flatnonzero(first)][gid]
    v = (desired - day_start) - C
    big = np.int64(1) << 40
    cm = np.maximum.accumulate(v + gid * big) - gid * big
    b = np.maximum(busy[dev] - day_start + g, -10 * 24 * MS_PER_HOUR)
    return day_start + C + np.maximum(cm, b)
