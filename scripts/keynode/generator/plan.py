"""Columnar session plans: ``Plan`` (one row per session), ``SessionEvents`` (a plan expanded into one
row per event, before clock times) and ``Labels`` (label lists of the categorical columns)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from keynode.generator.params import CAMPAIGNS, ORGANIC_UTM
from keynode.generator.session_template import N_EXTRA_ITEMS, N_OTHER_PRODUCTS


class Plan:
    """Columnar session plan: a dict of equally long numpy arrays (some 2-D), one row per session.

    Columns: ``dev`` device index; ``kind`` session kind (session_template.KIND_*); ``start`` start
    time in epoch ms (desired until session_events.resolve_starts places it); ``depth`` node of the
    purchase path reached, 1..17 (funnel.walk_depth); ``source`` / ``medium`` / ``campaign`` utm label
    codes (Labels); ``exposure_row`` the marketing exposure row clicked (-1 none); ``landing`` entry
    page (0 home, 1 product, 2 campaign, 3 search); ``main`` the SKU the session is about and ``qty``
    its quantity; ``n_other`` / ``other`` / ``off_path`` other products viewed, each with an off-path
    event code (-1 none); ``review`` views reviews; ``fav`` favourite/share event code (-1 none);
    ``browse`` browse event code and ``browse_rep`` browses twice; ``n_extra`` / ``extra`` /
    ``extra_qty`` / ``extra_ok`` extra items and whether they can be carted; ``remove`` the extra
    item removed (-1 none); ``cart_rep`` views the cart twice; ``claims_coupon`` claims a coupon;
    ``coupon`` coupon used on the order (-1 none); ``guest`` guest checkout; ``first_open`` /
    ``register`` a new user's first open and registration; ``kfu`` feature of a first key-feature
    use (-1 none); ``login_early`` logs in right after entry; ``push_opened`` starts from an opened
    cart-reminder push; ``return_group`` returning abandoner: 1 reminded, 2 not reminded (-1 other).
    """

    def __init__(self, columns: dict[str, np.ndarray]):
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns["dev"])

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["columns"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def take(self, idx: np.ndarray) -> Plan:
        """Rows ``idx`` of the plan."""
        return Plan({k: v[idx] for k, v in self.columns.items()})

    @staticmethod
    def concat(plans: list[Plan]) -> Plan:
        """Rows of several plans, in order."""
        plans = [p for p in plans if p is not None]
        keys = plans[0].columns.keys()
        return Plan({k: np.concatenate([p.columns[k] for p in plans]) for k in keys})

    @staticmethod
    def empty(n: int) -> Plan:
        """A plan of ``n`` sessions with neutral defaults (depth 1, nothing optional)."""
        cols = {
            "dev": np.zeros(n, np.int64),
            "kind": np.zeros(n, np.int8),
            "start": np.zeros(n, np.int64),
            "depth": np.ones(n, np.int8),
            "source": np.zeros(n, np.int16),
            "medium": np.zeros(n, np.int16),
            "campaign": np.full(n, -1, np.int16),
            "exposure_row": np.full(n, -1, np.int32),
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
            "claims_coupon": np.zeros(n, bool),
            "coupon": np.full(n, -1, np.int8),
            "guest": np.zeros(n, bool),
            "first_open": np.zeros(n, bool),
            "register": np.zeros(n, bool),
            "kfu": np.full(n, -1, np.int8),
            "login_early": np.zeros(n, bool),
            "push_opened": np.zeros(n, bool),
            "return_group": np.full(n, -1, np.int64),
            "other": np.zeros((n, N_OTHER_PRODUCTS), np.int32),
            "off_path": np.full((n, N_OTHER_PRODUCTS), -1, np.int16),
            "extra": np.zeros((n, N_EXTRA_ITEMS), np.int32),
            "extra_qty": np.ones((n, N_EXTRA_ITEMS), np.int16),
            "extra_ok": np.zeros((n, N_EXTRA_ITEMS), bool),
        }
        return Plan(cols)


@dataclass
class SessionEvents:
    """Events of a plan before clock times, ordered by session then slot (one row per event), plus
    each session's duration."""

    session: np.ndarray  # row of the plan the event belongs to
    slot: np.ndarray  # slot code (session_template.SLOT_CODE)
    event: np.ndarray  # event-name code (Labels.event_codes)
    sku: np.ndarray  # SKU index, -1 for none
    quantity: np.ndarray  # 0 for none
    page: np.ndarray  # page code (session_template.PAGE_CODE)
    offset_ms: np.ndarray  # time since the session's first event
    duration_ms: np.ndarray  # per session (plan row): offset of its last event


@dataclass
class Labels:
    """Label lists for categorical columns and event-name codes."""

    events: list[str]
    sources: list[str]
    media: list[str]
    campaigns: list[str]
    event_codes: dict[str, int] = field(init=False)

    def __post_init__(self):
        self.event_codes = {e: i for i, e in enumerate(self.events)}


def make_labels(event_names: list[str]) -> Labels:
    """All utm sources / media / campaigns the generator can emit."""
    sources = sorted({s for s, _, _ in ORGANIC_UTM} | {s for c in CAMPAIGNS for s in c[3]} | {"app_push"})
    media = sorted({m for _, m, _ in ORGANIC_UTM} | {c[2] for c in CAMPAIGNS} | {"push"})
    campaigns = [c[1] for c in CAMPAIGNS] + ["cart_reminder"]
    return Labels(event_names, sources, media, campaigns)
