"""Event emission: turns a chunk's session plans into events and everything that follows from them.

For a chunk it expands the plans into events (session_events.expand), places the sessions on their
devices' timelines, applies the traffic outage, resolves identity (a device carries its user id from
its first login or registration on), hands submitted orders to the order book, counts the built-in
effects for the manifest, writes experiment assignments (a device's first product view), has the
events delivered (delivery.Delivery) and writes the delivered rows (event_table.EventTable), with the
day's malformed event rows on the day's first chunk.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
from keynode.generator.day import Day
from keynode.generator.delivery import Delivery
from keynode.generator.event_table import EventTable, TimedEvents
from keynode.generator.faults import FaultInjector
from keynode.generator.funnel import stock_cap
from keynode.generator.orders import OrderBook
from keynode.generator.params import OUTAGE_SHARE, VARIANTS
from keynode.generator.plan import Plan, SessionEvents
from keynode.generator.planning import SessionPlanner
from keynode.generator.raw_output import RawOutput
from keynode.generator.session_events import expand, resolve_starts
from keynode.generator.session_template import (
    KIND_JOURNEY_B,
    KIND_JOURNEY_LOGIN,
    KIND_REGULAR,
    KIND_RETURN,
    SLOT_CODE,
)
from keynode.generator.util import MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND, categorical, fixed_ids, ts_ms
from keynode.generator.world import World

EXPERIMENT_KEY = "pdp_cta_copy"


class EventEmitter:
    """Emits the events of chunks of sessions (see the module docstring)."""

    def __init__(
        self,
        world: World,
        planner: SessionPlanner,
        orders: OrderBook,
        delivery: Delivery,
        table: EventTable,
        raw: RawOutput,
        faults: FaultInjector,
        tally: Counter,
    ):
        self.population = world.population
        self.labels = world.labels
        self.event_codes = world.event_codes
        self.planner = planner
        self.orders = orders
        self.delivery = delivery
        self.table = table
        self.raw = raw
        self.faults = faults
        self.tally = tally

    def regular_chunk(self, day: Day, plan: Plan, rng) -> None:
        """Ordinary sessions of a block of whole devices, then their cart reminders and returns."""
        platform = self.population.platform
        events = expand(plan, self.labels, platform[plan.dev], rng)
        plan.columns["start"] = resolve_starts(
            plan.dev, plan.start, events.duration_ms, self.population.busy_until, day.start_ms
        )
        event_ms = plan.start[events.session] + events.offset_ms
        kept = self._outage_kept(day, plan, events, event_ms, rng)
        reminders = self.planner.reminders(day, plan, events, event_ms, kept, rng)
        plans, expanded, times, kepts = [plan], [events], [event_ms], [kept]
        if reminders is not None:
            day.stock_left -= stock_cap(reminders, day.stock_left)
            reminder_events = expand(reminders, self.labels, platform[reminders.dev], rng)
            reminder_ms = reminders.start[reminder_events.session] + reminder_events.offset_ms
            plans.append(reminders)
            expanded.append(reminder_events)
            times.append(reminder_ms)
            kepts.append(self._outage_kept(day, reminders, reminder_events, reminder_ms, rng))
        self._emit(day, plans, expanded, times, kepts, rng)

    def journeys(self, day: Day, plan_a: Plan, plan_b: Plan, rng) -> None:
        """Cross-device journeys: A (app, anonymous, to the cart) -> B (web, logs in, pays) 20-180
        minutes after A ends -> A logs in 1-6 h after B ends."""
        platform = self.population.platform
        events_a = expand(plan_a, self.labels, platform[plan_a.dev], rng)
        end_a = plan_a.start + events_a.duration_ms
        plan_b.columns["start"] = end_a + rng.integers(20 * MS_PER_MINUTE, 180 * MS_PER_MINUTE, len(plan_b))
        events_b = expand(plan_b, self.labels, platform[plan_b.dev], rng)
        end_b = plan_b.start + events_b.duration_ms
        login = self.planner.scripted(
            rng,
            day,
            plan_a.dev,
            end_b + rng.integers(MS_PER_HOUR, 6 * MS_PER_HOUR, len(plan_a)),
            KIND_JOURNEY_LOGIN,
            plan_a.main,
            None,
            day.stock,
            3,
            max_depth=3,
        )
        login.columns["login_early"][:] = True
        login.columns["guest"][:] = False
        events_login = expand(login, self.labels, platform[login.dev], rng)
        plans, expanded = [plan_a, plan_b, login], [events_a, events_b, events_login]
        times = [p.start[e.session] + e.offset_ms for p, e in zip(plans, expanded, strict=True)]
        kepts = [self._outage_kept(day, p, e, t, rng) for p, e, t in zip(plans, expanded, times, strict=True)]
        self.population.xd_used[plan_a.dev] = True
        self.tally["xd_journeys"] += len(plan_a)
        self._emit(day, plans, expanded, times, kepts, rng)

    @staticmethod
    def _outage_kept(day: Day, plan: Plan, events: SessionEvents, event_ms: np.ndarray, rng) -> np.ndarray:
        """Traffic outage: sessions active during the outage hour die at its start (5% survive).
        Returns which events still happen."""
        if day.outage_window is None:
            return np.ones(len(event_ms), bool)
        outage_start, outage_end = day.outage_window
        start = plan.start
        end = start + events.duration_ms
        killed = (start < outage_end) & (end >= outage_start) & (rng.random(len(plan)) >= OUTAGE_SHARE)
        return ~(killed[events.session] & (event_ms >= outage_start))

    # ---------------------------------------------------------------------------------------------
    def _emit(self, day: Day, plans, expanded, times, kepts, rng) -> None:
        """Turn sessions into events, orders, lines and assignments; deliver and write the events."""
        population = self.population
        plan = Plan.concat(plans)
        offsets = np.cumsum([0] + [len(p) for p in plans])
        duration = np.concatenate([e.duration_ms for e in expanded])
        session = np.concatenate([e.session + o for e, o in zip(expanded, offsets[:-1], strict=True)])
        fields = ("slot", "event", "sku", "quantity", "page")
        columns = {k: np.concatenate([getattr(e, k) for e in expanded]) for k in fields}
        event_ms = np.concatenate(times)
        kept = np.concatenate(kepts)
        np.maximum.at(population.busy_until, plan.dev, plan.start + duration)
        session, event_ms = session[kept], event_ms[kept]
        slot, event, sku, quantity, page = (columns[k][kept] for k in fields)
        if len(event_ms) == 0:
            return
        device = plan.dev[session]
        is_user = self._resolve_identity(device, event, event_ms)
        events = TimedEvents(session, slot, event, sku, quantity, page, event_ms, device, is_user)

        # orders: created at order_submit, paid at payment_success
        order_event = np.flatnonzero(slot == SLOT_CODE["order"])
        order_session = session[order_event]
        order_number = self.orders.number(len(order_session))
        session_order = np.full(len(plan), -1, np.int64)
        session_order[order_session] = order_number
        paid_at = np.full(len(plan), -1, np.int64)
        paid = slot == SLOT_CODE["pay_success"]
        paid_at[session[paid]] = event_ms[paid]
        if len(order_session):
            self.orders.record(
                day,
                plan,
                order_session,
                order_number,
                event_ms[order_event],
                paid_at[order_session],
                is_user[order_event],
                device[order_event],
                rng,
            )
        self._count_effects(plan, events, paid_at)
        self._assign_experiment(day, events, rng)

        # delivery first (lag, retries, missing hour), so columns are built once, already in file order
        rows, ingested, is_retry = self.delivery.deliver(event_ms, day.missing_window, rng)
        if len(rows) == 0:
            return
        tbl = self.table.build(plan, events, session_order, rows, ingested, rng)
        self.raw.write_events(tbl, ingested)
        if not day.malformed_events_done:
            day.malformed_events_done = True
            bad = self.faults.malformed_events(tbl, ingested, day.index, rng, event_ms[rows], is_retry)
            if bad is not None:
                self.raw.write_events(*bad)

    def _resolve_identity(self, device: np.ndarray, event: np.ndarray, event_ms: np.ndarray) -> np.ndarray:
        """Whether each event carries a user id: its device belongs to a user and has logged in before
        (on an earlier day, or today at or before the event). Marks today's logins."""
        population, ev = self.population, self.event_codes
        devices, device_of_event = np.unique(device, return_inverse=True)
        never = np.iinfo(np.int64).max
        first_login = np.full(len(devices), never)
        logs_in = (event == ev["login"]) | (event == ev["register"])
        np.minimum.at(first_login, device_of_event[logs_in], event_ms[logs_in])
        owner = population.owner[device]
        is_user = (owner >= 0) & (population.logged_in[device] | (event_ms >= first_login[device_of_event]))
        population.logged_in[devices[(first_login < never) & (population.owner[devices] >= 0)]] = True
        return is_user

    def _count_effects(self, plan: Plan, events: TimedEvents, paid_at: np.ndarray) -> None:
        """The built-in effects' observed sizes (manifest ``effects``): detail-to-cart rates of ordinary
        sessions by cohort and variant, paid sessions, reminder returns, journeys, activation events."""
        population, ev, tally = self.population, self.event_codes, self.tally
        session, event = events.session, events.event
        regular_event = plan.kind[session] == KIND_REGULAR
        has = {}
        for name in ("product_view", "add_to_cart", "payment_success"):
            flag = np.zeros(len(plan), bool)
            flag[session[regular_event & (event == ev[name])]] = True
            has[name] = flag
        regular = plan.kind == KIND_REGULAR
        slow, variant = population.slow[plan.dev], population.variant[plan.dev]
        for key, cohort in (
            ("fast", ~slow),
            ("slow", slow),
            ("control", variant == 0),
            ("treatment", variant == 1),
        ):
            viewed = regular & has["product_view"] & cohort
            tally[f"pv_sessions_{key}"] += int(viewed.sum())
            tally[f"pv_atc_sessions_{key}"] += int((viewed & has["add_to_cart"]).sum())
        tally["sessions"] += int(regular.sum())
        tally["sessions_paid"] += int((regular & has["payment_success"]).sum())
        returned = plan.kind == KIND_RETURN
        paid = paid_at >= 0
        tally["reminder_return_paid_reminded"] += int((returned & paid & (plan.return_group == 1)).sum())
        tally["reminder_return_paid_unreminded"] += int((returned & paid & (plan.return_group == 2)).sum())
        tally["xd_journeys_paid"] += int(((plan.kind == KIND_JOURNEY_B) & paid).sum())
        tally["first_open"] += int((event == ev["first_open"]).sum())
        tally["register"] += int((event == ev["register"]).sum())
        tally["key_feature_use"] += int((event == ev["key_feature_use"]).sum())

    def _assign_experiment(self, day: Day, events: TimedEvents, rng) -> None:
        """Experiment assignments: at a device's first product view ever."""
        population = self.population
        device, event_ms = events.device, events.event_ms
        unassigned_view = (events.event == self.event_codes["product_view"]) & ~population.assigned[device]
        if not unassigned_view.any():
            return
        idx = np.flatnonzero(unassigned_view)
        idx = idx[np.lexsort((event_ms[idx], device[idx]))]
        firsts = idx[np.r_[True, device[idx][1:] != device[idx][:-1]]]
        assigned = device[firsts]
        population.assigned[assigned] = True
        at = event_ms[firsts]
        ingested = at + rng.integers(MS_PER_SECOND, 30 * MS_PER_SECOND, len(firsts))
        tbl = pa.table(
            {
                "assignment_id": fixed_ids(f"ASG-{EXPERIMENT_KEY}-", assigned, 9),
                "experiment_key": pa.array([EXPERIMENT_KEY] * len(assigned), pa.string()),
                "variant": categorical(population.variant[assigned], VARIANTS),
                "device_id": fixed_ids("D", assigned, 9),
                "user_id": fixed_ids("U", population.owner[assigned], 8, events.is_user[firsts]),
                "assigned_at": ts_ms(at),
                "ingested_at": ts_ms(ingested),
            }
        )
        day.assignment_parts.append((tbl, ingested))
