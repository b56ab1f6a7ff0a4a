"""Session planning: turns visits into session plans (plan.Plan), one row per session.

* ordinary visits: acquisition (organic source or the marketing exposure row clicked), entry page,
  the product the session is about, new-user activation, and how far down the purchase path it walks;
* scripted sessions: the cross-device journeys (device A to the cart, device B logs in and pays,
  device A logs in later) and the abandoned-cart reminders (push, opened push, returning purchase);
* browsing that every kind of session shares (other products viewed, extra cart items, coupons).

Plans say what a session will do; session_events.expand turns them into events.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from keynode.generator.day import Day
from keynode.generator.funnel import STEP_P, walk_depth
from keynode.generator.params import (
    CAMPAIGNS,
    HOUR_WEIGHTS,
    OPEN_SHARE,
    ORGANIC_UTM,
    PAID_MEDIUM_SHARE,
    REMIND_SHARE,
    RETURN_IF_NOT_OPENED,
    RETURN_IF_OPENED,
    RETURN_UNREMINDED,
    VIRAL_ATC_P,
)
from keynode.generator.plan import Plan, SessionEvents
from keynode.generator.session_template import (
    FEATURES,
    GAP_BETWEEN_SESSIONS_MS,
    KIND_JOURNEY_A,
    KIND_JOURNEY_B,
    KIND_PUSH,
    KIND_PUSH_BOUNCE,
    KIND_REGULAR,
    KIND_RETURN,
    N_EXTRA_ITEMS,
    N_OTHER_PRODUCTS,
)
from keynode.generator.util import MS_PER_HOUR, MS_PER_MINUTE, grouped_rank, sample_cdf
from keynode.generator.visitors import Visits
from keynode.generator.world import World

REMINDER_MIN_GAP_MS = 8 * MS_PER_HOUR  # an abandoner whose next session is sooner gets no reminder


class SessionPlanner:
    """Plans of every kind of session (see the module docstring); counts the reminder funnel."""

    def __init__(self, world: World, tally: Counter):
        self.population = world.population
        self.marketing = world.marketing
        self.labels = world.labels
        self.event_codes = world.event_codes
        self.campaign_medium = world.campaign_medium
        self.source_direct = world.labels.sources.index("direct")
        self.medium_none = world.labels.media.index("none")
        self.tally = tally

    # ---------------------------------------------------------------------------------------------
    def regular(self, day: Day, visits: Visits, rng) -> Plan:
        """Plans for ordinary sessions: acquisition, entry page, products, depth."""
        dev, viral_sku = visits.device, visits.viral_sku
        first_of_device = grouped_rank(dev) == 0
        n = len(dev)
        population, labels = self.population, self.labels
        plan = Plan.empty(n)
        cols = plan.columns
        cols["dev"] = dev
        cols["start"] = visits.desired_start
        cols["kind"][:] = KIND_REGULAR
        self._fill_random(plan, rng, day)
        # acquisition
        organic = [(labels.sources.index(s), labels.media.index(m), w) for s, m, w in ORGANIC_UTM]
        paid = [(m, w) for m, w in PAID_MEDIUM_SHARE.items()]
        probs = np.array([o[2] for o in organic] + [w for _, w in paid])
        pick = rng.choice(len(probs), n, p=probs / probs.sum())
        source = np.full(n, self.source_direct, np.int16)
        medium = np.full(n, self.medium_none, np.int16)
        campaign = np.full(n, -1, np.int16)
        exposure_row = np.full(n, -1, np.int32)
        landing = np.zeros(n, np.int8)
        main = day.sku_sampler.sample(rng, n)
        for i, (s, m, _) in enumerate(organic):
            sel = pick == i
            source[sel], medium[sel] = s, m
            if labels.media[m] == "organic":
                landing[sel & (rng.random(n) < 0.5)] = 3
        for j, (m, _) in enumerate(paid):
            sel = np.flatnonzero(pick == len(organic) + j)
            rows = np.flatnonzero(self.campaign_medium[self.marketing.row_campaign] == labels.media.index(m))
            w = day.exposure_row_weights[rows]
            if len(sel) == 0 or len(rows) == 0 or w.sum() <= 0:
                continue
            clicked = rows[sample_cdf(rng, w, len(sel))]
            exposure_row[sel] = clicked
            clicked_campaign = self.marketing.row_campaign[clicked]
            campaign[sel] = clicked_campaign
            medium[sel] = labels.media.index(m)
            for c in np.unique(clicked_campaign):
                these = sel[clicked_campaign == c]
                sources = [labels.sources.index(s) for s in CAMPAIGNS[c][3]]
                source[these] = np.array(sources)[rng.integers(0, len(sources), len(these))]
            main[sel] = self.marketing.row_sku[clicked]
            landing[sel] = np.where(rng.random(len(sel)) < (0.4 if m == "email" else 0.7), 1, 2)
        viral = viral_sku >= 0
        if viral.any():
            source[viral], medium[viral] = labels.sources.index("instagram"), labels.media.index("social")
            campaign[viral], exposure_row[viral], landing[viral], main[viral] = -1, -1, 1, viral_sku[viral]
        cols.update(
            source=source,
            medium=medium,
            campaign=campaign,
            exposure_row=exposure_row,
            landing=landing,
            main=main,
        )
        # new users and activation
        is_first = first_of_device & population.is_new[dev] & (population.first_day[dev] == day.index)
        cols["first_open"] = is_first
        cols["register"] = is_first & population.registers[dev]
        kfu = first_of_device & (population.kfu_day[dev] == day.index)
        cols["kfu"] = np.where(kfu, rng.integers(0, len(FEATURES), n), -1).astype(np.int8)
        self._finish_items(plan, day.stock, rng)
        cols["depth"] = walk_depth(
            rng,
            n,
            slow=population.slow[dev],
            treat=population.variant[dev] == 1,
            paid=landing == 1,
            main_oos=day.stock[main] <= 0,
            promo=day.is_promo,
            step_factor=day.step_factors,
            forced_min=np.where(viral, 6, 0),
            add_to_cart_p=np.where(viral, VIRAL_ATC_P, STEP_P[7]),
        )
        return plan

    def scripted(
        self, rng, day: Day, dev, start, kind, main, qty, stock, forced_min: int, max_depth: int = 17
    ) -> Plan:
        """Plans for scripted sessions (journeys, reminder returns, logins): walked to at least
        ``forced_min`` (unless ``main`` is out of ``stock``), at most ``max_depth``; direct traffic."""
        n = len(dev)
        plan = Plan.empty(n)
        cols = plan.columns
        cols["dev"] = np.asarray(dev, np.int64)
        cols["start"] = np.asarray(start, np.int64)
        cols["kind"][:] = kind
        self._fill_random(plan, rng, day)
        cols["source"][:] = self.source_direct
        cols["medium"][:] = self.medium_none
        cols["main"] = np.asarray(main, np.int32)
        if qty is not None:
            cols["qty"] = np.asarray(qty, np.int16)
        cols["n_extra"][:] = 0
        self._finish_items(plan, stock, rng)
        depth = walk_depth(
            rng,
            n,
            slow=self.population.slow[cols["dev"]],
            treat=self.population.variant[cols["dev"]] == 1,
            paid=np.zeros(n, bool),
            main_oos=stock[cols["main"]] <= 0,
            promo=day.is_promo,
            step_factor=day.step_factors,
            forced_min=np.full(n, forced_min),
        )
        cols["depth"] = np.minimum(depth, max_depth).astype(np.int8)
        return plan

    def journeys(
        self, day: Day, device_a: np.ndarray, device_b: np.ndarray, rng
    ) -> tuple[Plan | None, Plan | None]:
        """Device A browses anonymously to the cart; device B (same user) later logs in and pays.
        B's start is provisional: the journey's emission sets it once A's session has ended."""
        n = len(device_a)
        if n == 0:
            return None, None
        population = self.population
        main = sample_cdf(rng, day.sku_weights * (day.stock > 0), n)
        qty = np.ones(n, np.int16)
        desired = (
            day.start_ms + sample_cdf(rng, HOUR_WEIGHTS, n) * MS_PER_HOUR + rng.integers(0, MS_PER_HOUR, n)
        )
        busy_until = np.maximum(population.busy_until[device_a], population.busy_until[device_b])
        desired = np.maximum(desired, busy_until + GAP_BETWEEN_SESSIONS_MS)
        plan_a = self.scripted(
            rng, day, device_a, desired, KIND_JOURNEY_A, main, qty, day.stock, 8, max_depth=8
        )
        plan_b = self.scripted(
            rng, day, device_b, desired + MS_PER_HOUR, KIND_JOURNEY_B, main, qty, day.stock, 16
        )
        plan_b.columns["guest"][:] = False
        return plan_a, plan_b

    def reminders(
        self, day: Day, plan: Plan, events: SessionEvents, event_ms: np.ndarray, kept: np.ndarray, rng
    ) -> Plan | None:
        """Abandoned carts of ``plan`` (ordinary sessions with an add-to-cart and no checkout, on the app
        or mini program, no other session within 8 h) -> cart-reminder pushes, opens, and returning
        purchase sessions (reminded or not). ``kept`` marks the events that survived the outage."""
        ev = self.event_codes
        n = len(plan)
        event = events.event
        carted = np.zeros(n, bool)
        carted[events.session[kept & (event == ev["add_to_cart"])]] = True
        checked_out = np.zeros(n, bool)
        checked_out[events.session[kept & (event == ev["checkout_start"])]] = True
        kept_session, kept_ms = events.session[kept], event_ms[kept]
        end = np.full(n, -1, np.int64)
        if len(kept_session):
            last = np.flatnonzero(np.r_[kept_session[1:] != kept_session[:-1], True])
            end[kept_session[last]] = kept_ms[last]
        dev = plan.dev
        no_session = np.iinfo(np.int64).max
        next_start = np.r_[plan.start[1:], no_session]
        same_device = np.r_[dev[1:] == dev[:-1], False]
        next_start = np.where(same_device, next_start, no_session)
        platform = self.population.platform[dev]
        eligible = (
            (plan.kind == KIND_REGULAR)
            & carted
            & ~checked_out
            & (end >= 0)
            & (platform != 1)
            & (next_start - end > REMINDER_MIN_GAP_MS)
        )
        abandoned = np.flatnonzero(eligible)  # the plan rows of abandoned carts
        if len(abandoned) == 0:
            return None
        u = rng.random((len(abandoned), 4))
        reminded = u[:, 0] < REMIND_SHARE
        opened = reminded & (u[:, 1] < OPEN_SHARE)
        push_ms = end[abandoned] + rng.integers(MS_PER_HOUR, 6 * MS_PER_HOUR, len(abandoned))
        open_ms = push_ms + np.clip(
            180_000 * np.exp(rng.normal(0, 1, len(abandoned))), 5_000, 30 * MS_PER_MINUTE
        ).astype(np.int64)
        return_opened = opened & (u[:, 2] < RETURN_IF_OPENED)
        bounce = opened & ~return_opened
        return_not_opened = reminded & ~opened & (u[:, 2] < RETURN_IF_NOT_OPENED)
        return_unreminded = ~reminded & (u[:, 3] < RETURN_UNREMINDED)
        self.tally["reminder_eligible_reminded"] += int(reminded.sum())
        self.tally["reminder_eligible_unreminded"] += int((~reminded).sum())
        self.tally["reminder_pushes"] += int(reminded.sum())
        self.tally["reminder_opened"] += int(opened.sum())
        parts = []
        main, qty = plan.main[abandoned], plan.qty[abandoned]

        def follow_up(
            who: np.ndarray, start_ms: np.ndarray, kind: int, forced_min: int, **cap
        ) -> Plan | None:
            """The sessions of the abandoners in ``who`` that come back to their cart at ``start_ms``."""
            sel = np.flatnonzero(who)
            if len(sel) == 0:
                return None
            abandoner = dev[abandoned[sel]]
            return self.scripted(
                rng,
                day,
                abandoner,
                start_ms[sel],
                kind,
                main[sel],
                qty[sel],
                day.stock_left,
                forced_min,
                **cap,
            )

        # push_received: single-event sessions
        sel = np.flatnonzero(reminded)
        push = Plan.empty(len(sel))
        push.columns.update(
            dev=dev[abandoned[sel]],
            start=push_ms[sel],
            kind=np.full(len(sel), KIND_PUSH, np.int8),
            depth=np.zeros(len(sel), np.int8),
            main=main[sel],
        )
        push.columns["source"][:] = self.source_direct
        push.columns["medium"][:] = self.medium_none
        parts.append(push)
        # returning purchase sessions: (who, start, came through the opened push, return_group)
        returned_unopened_ms = push_ms + rng.integers(20 * MS_PER_MINUTE, 90 * MS_PER_MINUTE, len(abandoned))
        returned_unreminded_ms = end[abandoned] + rng.integers(MS_PER_HOUR, 7 * MS_PER_HOUR, len(abandoned))
        returns = (
            (return_opened, open_ms, True, 1),
            (return_not_opened, returned_unopened_ms, False, 1),
            (return_unreminded, returned_unreminded_ms, False, 2),
        )
        for who, start_ms, via_push, group in returns:
            back = follow_up(who, start_ms, KIND_RETURN, 16)
            if back is None:
                continue
            back.columns["return_group"][:] = group
            if via_push:
                self._came_through_push(back)
            parts.append(back)
        bounced = follow_up(bounce, open_ms, KIND_PUSH_BOUNCE, 2, max_depth=2)
        if bounced is not None:
            self._came_through_push(bounced)
            parts.append(bounced)
        return Plan.concat(parts)

    def _came_through_push(self, plan: Plan) -> None:
        """Sessions that start from an opened cart-reminder push (its utm source, medium, campaign)."""
        cols = plan.columns
        cols["push_opened"][:] = True
        cols["source"][:] = self.labels.sources.index("app_push")
        cols["medium"][:] = self.labels.media.index("push")
        cols["campaign"][:] = self.labels.campaigns.index("cart_reminder")

    # ---------------------------------------------------------------------------------------------
    def _fill_random(self, plan: Plan, rng, day: Day) -> None:
        """Random browsing behaviour shared by every kind of session."""
        n = len(plan)
        cols = plan.columns
        ev = self.event_codes
        cols["qty"] = rng.choice([1, 2, 3], n, p=[0.82, 0.13, 0.05]).astype(np.int16)
        cols["n_other"] = np.minimum(rng.poisson(0.9, n), N_OTHER_PRODUCTS).astype(np.int8)
        cols["other"] = day.sku_sampler.sample(rng, n * N_OTHER_PRODUCTS).reshape(n, N_OTHER_PRODUCTS)
        u = rng.random((n, N_OTHER_PRODUCTS))
        off_path = np.full((n, N_OTHER_PRODUCTS), -1, np.int16)
        off_path[u < 0.08] = ev["review_view"]
        off_path[(u >= 0.08) & (u < 0.12)] = ev["add_to_favourites"]
        off_path[(u >= 0.12) & (u < 0.14)] = ev["share"]
        cols["off_path"] = off_path
        cols["review"] = rng.random(n) < 0.15
        u = rng.random(n)
        fav = np.where(u < 0.05, ev["add_to_favourites"], np.where(u < 0.07, ev["share"], -1))
        cols["fav"] = fav.astype(np.int16)
        cols["browse"] = np.where(rng.random(n) < 0.55, ev["search"], ev["category_view"]).astype(np.int16)
        cols["browse_rep"] = rng.random(n) < 0.25
        cols["n_extra"] = rng.choice([0, 1, 2], n, p=[0.72, 0.20, 0.08]).astype(np.int8)
        cols["extra"] = day.sku_sampler.sample(rng, n * N_EXTRA_ITEMS).reshape(n, N_EXTRA_ITEMS)
        cols["extra_qty"] = rng.choice([1, 2, 3], (n, N_EXTRA_ITEMS), p=[0.82, 0.13, 0.05]).astype(np.int16)
        cols["cart_rep"] = rng.random(n) < 0.25
        cols["claims_coupon"] = rng.random(n) < (0.12 if day.is_promo else 0.04)
        cols["guest"] = day.guest_devices[cols["dev"]]
        # coupon used on the order: the promotion's code, the welcome code for new users, or another
        u = rng.random(n)
        use = cols["claims_coupon"] | (u < (0.35 if day.is_promo else 0.12))
        code = np.where(
            day.is_promo,
            3,
            np.where(self.population.is_new[cols["dev"]], 2, np.where(rng.random(n) < 0.7, 0, 1)),
        )
        cols["coupon"] = np.where(use, code, -1).astype(np.int8)

    @staticmethod
    def _finish_items(plan: Plan, stock: np.ndarray, rng) -> None:
        """Which extra items can be carted (in stock, distinct) and which one gets removed."""
        cols = plan.columns
        extra = cols["extra"]
        ok0 = (stock[extra[:, 0]] > 0) & (extra[:, 0] != cols["main"])
        ok1 = (stock[extra[:, 1]] > 0) & (extra[:, 1] != cols["main"]) & (extra[:, 1] != extra[:, 0])
        cols["extra_ok"] = np.column_stack([ok0, ok1])
        last = np.where((cols["n_extra"] > 1) & ok1, 1, np.where((cols["n_extra"] > 0) & ok0, 0, -1))
        cols["remove"] = np.where((rng.random(len(plan)) < 0.2) & (last >= 0), last, -1).astype(np.int8)
