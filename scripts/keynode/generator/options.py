"""What one generator run is given: its command-line options and the lookups it reads from ``seeds/``
(event catalogue, funnel definitions, promotion calendar)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from keynode.generator.util import read_seed


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


def start_epoch_day(opts: Options) -> int:
    """Epoch day number of ``--start-date``."""
    return (opts.start_date - date(1970, 1, 1)).days
