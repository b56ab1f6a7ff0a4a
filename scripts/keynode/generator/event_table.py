"""The ``events`` table: delivered events of a chunk as Arrow columns (ids, names, times, utm labels,
page, SKU and price, quantity, page-load time and the properties JSON), built from integer codes
without formatting a string per row in Python."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from keynode.generator.params import PLATFORMS, PRODUCT_EVENTS
from keynode.generator.plan import Plan
from keynode.generator.session_template import (
    COUPON_VALUES_AT,
    EVENT_PROPERTY_KIND,
    FEATURE_VALUES_AT,
    PAGES,
    PROPERTY_KIND_CODE,
    PROPERTY_TEMPLATES,
    PROPERTY_VALUES,
    TIER_VALUES_AT,
    VARIANT_VALUES_AT,
    VERSION_VALUES_AT,
)
from keynode.generator.util import categorical, fixed_ids, iso_ms, ts_ms, uuid_like
from keynode.generator.world import World

GUEST_TIER = 3  # index of "guest" in params.TIERS


@dataclass
class TimedEvents:
    """A chunk's events that happened (after the outage), in session-then-slot order: the plan row
    they belong to, slot, event code, SKU, quantity, page code, time, device and whether they carry
    a user id."""

    session: np.ndarray
    slot: np.ndarray
    event: np.ndarray
    sku: np.ndarray
    quantity: np.ndarray
    page: np.ndarray
    event_ms: np.ndarray
    device: np.ndarray
    is_user: np.ndarray

    def __len__(self) -> int:
        return len(self.event)


class EventTable:
    """Builds the ``events`` rows of delivered events."""

    def __init__(self, world: World):
        self.population = world.population
        self.catalog = world.catalog
        self.labels = world.labels
        self.product_view = world.event_codes["product_view"]
        self.is_product_event = world.event_flags(PRODUCT_EVENTS)
        self.is_page_view = world.event_flags(world.seeds.page_view_events)
        self.property_kind = np.full(len(world.labels.events), PROPERTY_KIND_CODE["empty"], np.int8)
        for event, kind in EVENT_PROPERTY_KIND.items():
            self.property_kind[world.event_codes[event]] = PROPERTY_KIND_CODE[kind]

    def build(
        self,
        plan: Plan,
        events: TimedEvents,
        session_order: np.ndarray,
        rows: np.ndarray,
        ingested: np.ndarray,
        rng,
    ) -> pa.Table:
        """Rows of the delivered events: ``rows`` indexes ``events`` (a retry repeats an event),
        ``ingested`` is their ingested_at; ``session_order`` the order number per plan row (or -1)."""
        population, catalog, labels = self.population, self.catalog, self.labels
        raw_ids = rng.integers(0, 256, size=(len(events), 16), dtype=np.uint8)
        event, event_ms, device = events.event[rows], events.event_ms[rows], events.device[rows]
        session, sku, quantity = events.session[rows], events.sku[rows], events.quantity[rows]
        owner, is_user = population.owner[device], events.is_user[rows]
        tier = np.where(is_user, population.user_tier[np.maximum(owner, 0)], GUEST_TIER)
        kind = self.property_kind[event]
        value1 = np.zeros(len(rows), np.int16)
        value2 = np.zeros(len(rows), np.int16)
        version = VERSION_VALUES_AT + population.version[device]
        of_kind = kind == PROPERTY_KIND_CODE["entry"]
        value1[of_kind], value2[of_kind] = TIER_VALUES_AT + tier[of_kind], version[of_kind]
        of_kind = kind == PROPERTY_KIND_CODE["pv"]
        value1[of_kind], value2[of_kind] = (
            VARIANT_VALUES_AT + population.variant[device[of_kind]],
            version[of_kind],
        )
        of_kind = kind == PROPERTY_KIND_CODE["first_open"]
        value1[of_kind] = version[of_kind]
        of_kind = kind == PROPERTY_KIND_CODE["kfu"]
        value1[of_kind] = FEATURE_VALUES_AT + np.maximum(plan.kfu[session[of_kind]], 0)
        of_kind = kind == PROPERTY_KIND_CODE["coupon"]
        value1[of_kind] = COUPON_VALUES_AT + np.maximum(plan.coupon[session[of_kind]], 0)
        is_order = kind == PROPERTY_KIND_CODE["order"]
        properties = build_properties(kind, value1, value2, is_order, session_order[session[is_order]])
        is_product = self.is_product_event[event] & (sku >= 0)
        # page-load times are drawn for every event of the chunk, then picked for the delivered rows
        all_devices = events.device
        load_ms, has_load = page_load(
            rng,
            events.event,
            self.is_page_view,
            events.event == self.product_view,
            population.platform[all_devices],
            population.slow[all_devices],
        )
        load_ms, has_load = load_ms[rows], has_load[rows]
        return pa.table(
            {
                "event_id": uuid_like(raw_ids[rows]),
                "device_id": fixed_ids("D", device, 9),
                "user_id": fixed_ids("U", owner, 8, is_user),
                "event_name": categorical(event, labels.events),
                "event_time": iso_ms(event_ms),
                "ingested_at": ts_ms(ingested),
                "platform": categorical(population.platform[device], PLATFORMS),
                "utm_source": categorical(plan.source[session], labels.sources),
                "utm_medium": categorical(plan.medium[session], labels.media),
                "utm_campaign": categorical(plan.campaign[session], labels.campaigns),
                "page": categorical(events.page[rows], PAGES),
                "sku_id": catalog.sku_ids(np.maximum(sku, 0), sku >= 0),
                "price": pa.array(catalog.price[np.maximum(sku, 0)], pa.float64(), mask=~is_product),
                "quantity": pa.array(quantity, pa.int32(), mask=quantity <= 0),
                "page_load_ms": pa.array(load_ms, pa.int32(), mask=~has_load),
                "properties": properties,
            }
        )


def build_properties(
    kind: np.ndarray, value1: np.ndarray, value2: np.ndarray, is_order: np.ndarray, order_number: np.ndarray
) -> pa.Array:
    """JSON text per event from its template (``PROPERTY_TEMPLATES``, by property-kind code) and up to
    two values (codes into ``PROPERTY_VALUES``); order events get their order id spliced in."""
    templates = list(PROPERTY_TEMPLATES.values())
    prefix = categorical(kind, [t[0] for t in templates])
    middle = categorical(kind, [t[1] for t in templates])
    suffix = categorical(kind, [t[2] for t in templates])
    first = categorical(value1, PROPERTY_VALUES)
    second = categorical(value2, PROPERTY_VALUES)
    properties = pc.binary_join_element_wise(prefix, first, middle, second, suffix, "")
    if is_order.any():
        order_id = fixed_ids('{"order_id": "O', order_number, 10)
        close = pa.array(['"}'] * len(order_number), pa.string())
        order_properties = pc.binary_join_element_wise(order_id, close, "")
        properties = pc.replace_with_mask(properties, pa.array(is_order), order_properties)
    return properties


def page_load(
    rng,
    event: np.ndarray,
    is_page_view: np.ndarray,
    is_product_view: np.ndarray,
    platform: np.ndarray,
    slow: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Page-load ms per event, and whether it has one (page/screen views, ``is_page_view`` per event
    code): lognormal by platform; the slow cohort's product pages always take > 3000 ms, every other
    page view stays below 3000 ms."""
    base = np.array([450.0, 1100.0, 800.0])[platform] * np.exp(rng.normal(0, 0.45, len(event)))
    base = np.where(slow, base * 1.5, base)
    ms = np.clip(base, 60, 2950)
    slow_product_view = slow & is_product_view
    slow_ms = 3000 + np.clip(1400 * np.exp(rng.normal(0, 0.5, len(event))), 1, 12000)
    ms = np.where(slow_product_view, slow_ms, ms)
    return ms.astype(np.int32), is_page_view[event]
