"""The benchmark's table: one row per size, then seconds per dbt layer."""

from __future__ import annotations

import argparse

from keynode.bench.measure import FUNNEL_CORE_MODELS, growth


def fmt(v, spec: str = ".1f") -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, int):
        return f"{v:,}"
    return format(v, spec)


LAYER_ORDER = ("seeds", "staging", "identity", "events", "sessions", "funnels", "sku", "behaviour",
               "anomalies", "quality", "tests")  # fmt: skip


def render(rows: list[dict], machine: dict, args: argparse.Namespace) -> str:
    lines = [
        f"machine: {machine['cores_logical']} cores ({machine['cores_physical']} physical), "
        f"{machine['memory_gb']} GB RAM, {machine['platform']}, Python {machine['python']}",
        f"settings: DuckDB memory_limit={args.memory_limit} threads={args.threads}, dbt threads="
        f"{args.dbt_threads}, {args.days}+1 days, seed {args.seed}",
        "",
    ]
    cols = [
        ("size", "size", "s"),
        ("events", "events", "d"),
        ("generate s", "generate_s", ".1f"),
        ("full build s", "full_build_s", ".1f"),
        ("peak MB", "peak_mb", ".0f"),
        ("unit tests s", "unit_tests_s", ".1f"),
        ("warehouse MB", "warehouse_mb", ".0f"),
        ("incremental s", "incremental_s", ".1f"),
        ("incr peak MB", "incremental_peak_mb", ".0f"),
        ("incr/full", "incr_over_full", ".2f"),
        ("temp peak MB", "temp_peak_mb", ".0f"),
        ("scan s", "scan_s", ".2f"),
        ("limit-funnel s", "limit_funnel_s", ".2f"),
        ("funnel layer s", "funnel_layer_s", ".2f"),
        ("funnel-layer/limit", "funnel_layer_over_limit", ".1f"),
        ("limit = ours", "limit_counts_equal", ""),
        ("chdb s", "chdb_s", ".2f"),
        ("ours/chdb", "ours_over_chdb", ".1f"),
        ("(user-days+daily)/chdb", "user_days_and_daily_over_chdb", ".1f"),
        ("funnel alone s", "funnel_alone_s", ".2f"),
        ("alone/chdb", "funnel_alone_over_chdb", ".1f"),
        ("(user-days+daily) alone/chdb", "user_days_and_daily_alone_over_chdb", ".1f"),
        ("counts equal", "chdb_counts_equal", ""),
        ("checkpoint s", "checkpoint_s", ".1f"),
    ]
    table = [[c[0] for c in cols]]
    for r in rows:
        table.append([r[k] if spec == "s" else fmt(r.get(k), spec or ".2f") for _, k, spec in cols])
    widths = [max(len(str(t[i])) for t in table) for i in range(len(cols))]
    for i, t in enumerate(table):
        lines.append(" | ".join(str(v).rjust(widths[j]) for j, v in enumerate(t)))
        if i == 0:
            lines.append("-+-".join("-" * w for w in widths))
    lines += [f"{r['size']} FAILED: {r['error']}" for r in rows if r.get("error")]
    lines += [f"{r['size']} limit query failed: {r['limit_error']}" for r in rows if r.get("limit_error")]
    lines += [f"{r['size']} chdb failed: {r['chdb_error']}" for r in rows if r.get("chdb_error")]
    lines += [
        "full build s / incremental s: `dbt build --exclude-resource-type unit_test` (seeds, models, data"
        " tests), as keynode run; unit tests s: the dbt unit tests alone (CI runs them, the daily job not)",
        "temp peak MB: DuckDB spill files of the full build (its temp_directory, sampled every second)",
        "warehouse MB: the DuckDB file after the full build",
        "funnel layer s: the three funnel models in the full build (sharing the cores with other models);"
        " funnel alone s: the same three rebuilt one at a time on the quiet machine, as chdb runs",
        "(user-days+daily): int_funnel_user_days + fct_node_funnel_daily, the part windowFunnel does"
        " (chdb reads int_funnel_events as its input)",
    ]
    layers = sorted(
        {k for r in rows for k in r.get("layers_s", {})} - {"total", "funnel_core", *FUNNEL_CORE_MODELS}
    )
    layers = [x for x in LAYER_ORDER if x in layers] + [x for x in layers if x not in LAYER_ORDER]
    lines += [
        "",
        "per-layer seconds of the full build (dbt execution_time of models + their data and unit tests;"
        " with dbt threads > 1 the sum exceeds the wall time)",
    ]
    head = ["size", *layers, "total", *FUNNEL_CORE_MODELS]
    table = [head] + [[r["size"], *(fmt(r.get("layers_s", {}).get(x, 0.0)) for x in head[1:])] for r in rows]
    widths = [max(len(str(t[i])) for t in table) for i in range(len(head))]
    for i, t in enumerate(table):
        lines.append(" | ".join(str(v).rjust(widths[j]) for j, v in enumerate(t)))
        if i == 0:
            lines.append("-+-".join("-" * w for w in widths))
    lines += render_growth(rows) + render_top_models(rows) + render_memory_by_node(rows)
    return "\n".join(lines)


GROWTH_KEYS = (
    "full_build_s", "peak_mb", "warehouse_mb", "temp_peak_mb", "incremental_s", "incremental_peak_mb",
    "funnel_layer_s", "funnel_alone_s", "chdb_s",
)  # fmt: skip


def render_growth(rows: list[dict]) -> list[str]:
    """How time and memory grow from one size to the next (ratios; events first)."""
    steps = growth(rows, GROWTH_KEYS)
    if not steps:
        return []
    head = ["sizes", "events", *GROWTH_KEYS]
    table = [head] + [[f"{g['from']}->{g['to']}", *(fmt(g[k], ".2f") for k in head[1:])] for g in steps]
    widths = [max(len(str(t[i])) for t in table) for i in range(len(head))]
    lines = ["", "growth ratios between consecutive sizes (x times)"]
    for i, t in enumerate(table):
        lines.append(" | ".join(str(v).rjust(widths[j]) for j, v in enumerate(t)))
        if i == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return lines


def render_top_models(rows: list[dict]) -> list[str]:
    """The models that dominate each run (dbt execution_time, seconds)."""
    lines = ["", "dominant models (dbt execution_time s; contended by concurrent dbt threads)"]
    for r in rows:
        for run, key in (("full", "full_top_models"), ("incremental", "incremental_top_models")):
            if r.get(key):
                lines.append(f"{r['size']} {run}: " + ", ".join(f"{m} {t:.1f}" for m, t in r[key]))
    return lines


def render_memory_by_node(rows: list[dict]) -> list[str]:
    """Which nodes were running when each run's sampled memory was highest (measure.memory_by_node)."""
    lines = [
        "",
        "largest RSS sample (every 0.5 s; the peak columns are the exact ru_maxrss), nodes running then;",
        "own peak: the dbt process's own kernel high-water mark (VmHWM), without its descendants",
    ]
    runs = (
        ("full", "full_memory_by_node", "own_peak_mb"),
        ("incremental", "incremental_memory_by_node", "incremental_own_peak_mb"),
    )
    for r in rows:
        for run, key, own_key in runs:
            peak = (r.get(key) or {}).get("peak")
            if peak:
                own = f" (own peak {r[own_key]:,.0f} MB)" if r.get(own_key) else ""
                lines.append(
                    f"{r['size']} {run}: {peak['mb']:,.0f} MB during " + ", ".join(peak["nodes"]) + own
                )
    return lines
