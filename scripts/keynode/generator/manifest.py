"""The ground-truth manifest (``_manifest.json``): expected staging counts, injected faults and the
true size of every built-in effect, computed from what the generator actually wrote."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keynode.generator.funnel import SLOW_ATC_FACTOR, STEP_P, TREATMENT_ATC_LIFT
from keynode.generator.malformed import ENTITY_CLASSES, REASONS
from keynode.generator.params import (
    APP_VERSIONS,
    HOUR_WEIGHTS,
    LATE_1_2_DAYS_SHARE,
    LATE_DAY_SHARE,
    OPEN_SHARE,
    OUTAGE_SHARE,
    RETRY_SHARE,
    RETURN_IF_NOT_OPENED,
    RETURN_IF_OPENED,
    RETURN_UNREMINDED,
    SLOW_SHARE,
    SLOW_VERSION,
    VERSION,
    WEEKDAY_MULT,
    ZIPF_S,
)
from keynode.generator.traffic import surge_demand_multiplier
from keynode.generator.util import day_str

if TYPE_CHECKING:
    from keynode.generator.run import Generator


def expected_counts(g: Generator, dup: dict | None) -> dict:
    """Per-entity staging counts computed from the per-file bookkeeping of what was written."""
    out = {}
    for e, w in g.raw.writers.items():
        raw = sum(s.rows for s in w.stats.values())
        q = dict.fromkeys(REASONS, 0)
        for s in w.stats.values():
            for r, c in s.reasons.items():
                q[r] += c
        passing = raw - sum(q.values())
        dups = 0
        if e == "events":  # client retries + the valid rows of the file delivered twice
            dups = int(g.tally.get("retries", 0)) + (dup["valid_rows"] if dup else 0)
        out[e] = {
            "raw_rows": raw,
            "valid_rows": passing - dups,
            "duplicate_rows": dups,
            "quarantined": q,
        }
    return out


def surge_facts(g: Generator) -> list[dict]:
    """The ``sku_surge`` fault entries, with the facts observed in the written data."""
    facts = []
    world = g.world
    surge_start = world.calendar.surge_start
    for s in world.surge_skus:
        units = g.orders.units_sold[:, s]
        prev = units[max(surge_start - 7, 0) : surge_start].sum()
        nxt = units[surge_start : surge_start + 7].sum()
        so = g.inventory.first_stockout.get(int(s))
        spend = g.exposure.spend[:, s]
        after = int((spend[so + 1 :] > 0).sum()) if so is not None else 0
        facts.append(
            {
                "fault": "sku_surge",
                "sku_id": f"SKU-{s + 1:05d}",
                "surge_start": day_str(world.start_day + surge_start),
                "units_prev_7d": int(prev),
                "units_next_7d": int(nxt),
                "growth_7d": round(float(nxt / prev - 1), 3) if prev else None,
                "stockout_date": day_str(world.start_day + so) if so is not None else None,
                "marketing_days_after_stockout": after,
                "marketing_continues": after >= 3,
                "spend_prev_7d": round(float(spend[max(surge_start - 7, 0) : surge_start].sum()), 2),
                "spend_next_7d": round(float(spend[surge_start : surge_start + 7].sum()), 2),
                "demand_multiplier_by_day": [surge_demand_multiplier(k) for k in range(7)],
            }
        )
    return facts


def build_manifest(g: Generator, dup: dict | None) -> dict:
    """The whole manifest: generator options, row counts, expected staging counts, faults, effects."""
    world = g.world
    opts, calendar, tally = g.opts, world.calendar, g.tally
    n_days = opts.days
    expected = expected_counts(g, dup)
    faults: list[dict] = []
    ds = lambda d: day_str(world.start_day + d)  # noqa: E731
    if opts.faults:
        for step, key, factor, days in calendar.node_breaks:
            faults.append(
                {
                    "fault": "conversion_drop",
                    "funnel_key": "purchase",
                    "node_key": key,
                    "node_step": step,
                    "dates": [ds(d) for d in days],
                    "size": factor,
                    "normal_step_rate": STEP_P[step],
                    "faulty_step_rate": round(STEP_P[step] * factor, 4),
                }
            )
        mh_d, mh_h = calendar.missing_hour
        faults.append(
            {
                "fault": "missing_hour",
                "source": "events",
                "date": ds(mh_d),
                "hour": mh_h,
                "rows_removed": int(tally.get("missing_hour_rows", 0)),
            }
        )
        ld = calendar.late_day
        late, delivered = g.delivery.late, g.delivery.delivered
        faults.append(
            {
                "fault": "late_day",
                "source": "events",
                "date": ds(ld),
                "late_share": round(float(late[ld] / max(delivered[ld], 1)), 4),
                "designed_share": LATE_DAY_SHARE,
                "late_minutes_min": 16,
                "late_minutes_max": 120,
                "normal_day_late_share_max": round(
                    float(
                        max(
                            (late[d] / max(delivered[d], 1) for d in range(n_days) if d != ld),
                            default=0,
                        )
                    ),
                    4,
                ),
            }
        )
        if dup:
            faults.append(
                {
                    "fault": "duplicate_file",
                    "source": "events",
                    "original": dup["original"],
                    "copy": dup["copy"],
                    "rows": dup["rows"],
                }
            )
        od, oh = calendar.outage
        faults.append(
            {
                "fault": "traffic_outage",
                "source": "events",
                "date": ds(od),
                "hour": oh,
                "traffic_share": OUTAGE_SHARE,
            }
        )
        faults.append(
            {
                "fault": "source_gap",
                "source": "marketing_exposure",
                "date": ds(calendar.source_gap_day),
                "missing_landing_date": ds(calendar.source_gap_day + 1),
                "note": "exposure for this date is never delivered (it would land the next day)",
            }
        )
        faults.extend(surge_facts(g))
        for (entity, reason), n in sorted(g.faults.malformed_rows().items()):
            faults.append(
                {
                    "fault": "malformed_rows",
                    "source": entity,
                    "reason_code": reason,
                    "rows": n,
                    "column": ENTITY_CLASSES[entity][reason],
                }
            )
        faults.append(
            {
                "fault": "client_retries",
                "source": "events",
                "rows": int(tally.get("retries", 0)),
                "share": RETRY_SHARE,
            }
        )
    rate = lambda a, b: round(float(tally.get(a, 0) / max(tally.get(b, 0), 1)), 4)  # noqa: E731
    base_rate = STEP_P[6] * STEP_P[7]
    promo = [
        {
            "promo_key": p["promo_key"],
            "start": p["start"].isoformat(),
            "end": p["end"].isoformat(),
            "traffic_multiplier": p["multiplier"],
        }
        for p in world.promotions
    ]
    effects = {
        "promotion": promo[0] if promo else None,
        "promotions": promo,
        "weekly_seasonality": {"weekends": "busier", "multiplier_by_weekday_mon_to_sun": WEEKDAY_MULT},
        "hourly_profile_utc": [round(float(x), 4) for x in HOUR_WEIGHTS / HOUR_WEIGHTS.sum()],
        "slow_pages": {
            "cohort": f"properties.app_version = '{APP_VERSIONS[SLOW_VERSION]}'",
            "cohort_share_of_devices": SLOW_SHARE,
            "threshold_ms": 3000,
            "detail_to_cart_rate_fast": rate("pv_atc_sessions_fast", "pv_sessions_fast"),
            "slow": rate("pv_atc_sessions_slow", "pv_sessions_slow"),
            "designed_detail_to_cart_rate_fast": round(base_rate * (1 + TREATMENT_ATC_LIFT / 2), 4),
            "designed_detail_to_cart_rate_slow": round(
                base_rate * (1 + TREATMENT_ATC_LIFT / 2) * SLOW_ATC_FACTOR, 4
            ),
            "note": "session level: share of ordinary sessions with a product_view that add to cart",
        },
        "cart_reminder": {
            "campaign": "cart_reminder",
            "delay_hours": [1, 6],
            "eligible_platforms": ["app", "mini_program"],
            "abandoners_reminded": int(tally.get("reminder_eligible_reminded", 0)),
            "abandoners_not_reminded": int(tally.get("reminder_eligible_unreminded", 0)),
            "pushes_opened": int(tally.get("reminder_opened", 0)),
            "return_to_purchase_rate_reminded": rate(
                "reminder_return_paid_reminded", "reminder_eligible_reminded"
            ),
            "return_to_purchase_rate_not_reminded": rate(
                "reminder_return_paid_unreminded", "reminder_eligible_unreminded"
            ),
            "designed_return_rate_reminded": round(
                OPEN_SHARE * RETURN_IF_OPENED + (1 - OPEN_SHARE) * RETURN_IF_NOT_OPENED, 4
            ),
            "designed_return_rate_not_reminded": RETURN_UNREMINDED,
            "uplift_in_return_to_purchase": round(
                rate("reminder_return_paid_reminded", "reminder_eligible_reminded")
                - rate("reminder_return_paid_unreminded", "reminder_eligible_unreminded"),
                4,
            ),
        },
        "experiment": {
            "experiment_key": "pdp_cta_copy",
            "split": 0.5,
            "unit": "device",
            "assigned_at": "first product_view of the device",
            "true_relative_effect_on_add_to_cart": TREATMENT_ATC_LIFT,
            "observed_detail_to_cart_rate_control": rate("pv_atc_sessions_control", "pv_sessions_control"),
            "observed_detail_to_cart_rate_treatment": rate(
                "pv_atc_sessions_treatment", "pv_sessions_treatment"
            ),
        },
        "cross_device_journeys": {
            "journeys": int(tally.get("xd_journeys", 0)),
            "journeys_paid": int(tally.get("xd_journeys_paid", 0)),
            "pattern": "app device A anonymous to cart -> web device B logs in and "
            "pays the same day -> device A logs in 1-6 h later",
        },
        "funnel": {
            "step_probabilities": {str(k): v for k, v in STEP_P.items()},
            "sessions": int(tally.get("sessions", 0)),
            "session_to_paid_rate": rate("sessions_paid", "sessions"),
        },
        "activation": {
            "first_open": int(tally.get("first_open", 0)),
            "register": int(tally.get("register", 0)),
            "key_feature_use": int(tally.get("key_feature_use", 0)),
        },
        "orders": {
            k: int(tally.get(k, 0))
            for k in ("orders", "orders_paid", "orders_cancelled", "orders_refunded", "orders_expired")
        },
        "sku_popularity": {"distribution": "zipf", "exponent": ZIPF_S},
        "stockouts": {
            "baseline_stockout_rate_sku_days": round(
                g.inventory.stockout_days / max(g.inventory.sku_days, 1), 4
            ),
            "definition": "listed SKU whose total available (on_hand - reserved, all warehouses) "
            "is 0 in the end-of-day snapshot",
        },
        "ingestion": {
            "lag_median_seconds": 20,
            "late_1_2_days_share": LATE_1_2_DAYS_SHARE,
            "retry_share": RETRY_SHARE,
            "late_minutes_threshold": 15,
        },
    }
    return {
        "generator": {
            "seed": opts.seed,
            "start_date": opts.start_date.isoformat(),
            "days": n_days,
            "users": opts.users,
            "skus": opts.skus,
            "faults": opts.faults,
            "events_target": opts.events_target,
            "version": VERSION,
        },
        "row_counts": {e: v["raw_rows"] for e, v in expected.items()},
        "expected": expected,
        "faults": faults,
        "effects": effects,
    }
