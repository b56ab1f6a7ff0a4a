"""The dashboard's charts (Altair, drawn by Streamlit's bundled Vega-Lite; no network).

Every chart renders as SVG (``embedOptions.renderer``), so a browser test can count the marks drawn
for the data. Axis titles come from ``labels`` in the page's language.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from keynode.dashboard.labels import text

SVG = {"embedOptions": {"renderer": "svg", "actions": False}}
HEALTH_COLORS = alt.Scale(scheme="redyellowgreen", domain=[0, 100])


def _days(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """A copy with ``column`` as 'YYYY-MM-DD' text (an ordinal axis of days)."""
    out = df.copy()
    out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
    return out


def _finish(chart: alt.Chart, height: int = 320) -> alt.Chart:
    return chart.properties(height=height, usermeta=SVG)


def ladder_label(lang: str, level: int) -> str:
    return text(lang, f"ladder_{int(level)}") if 0 <= int(level) <= 3 else str(level)


def incidents_by_level(df: pd.DataFrame, lang: str) -> alt.Chart:
    data = df.assign(level=[ladder_label(lang, v) for v in df["severity_level"]])
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "level:N",
                title=text(lang, "ladder_level"),
                sort=[ladder_label(lang, i) for i in range(4)],
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("open_incidents:Q", title=text(lang, "open_incidents")),
            color=alt.Color("funnel_key:N", title=text(lang, "funnel")),
            tooltip=["level", "funnel_key", "open_incidents"],
        )
    )
    return _finish(bars, 260)


def key_node_health(df: pd.DataFrame, lang: str) -> alt.Chart:
    data = df.assign(node=df["funnel_key"] + " · " + df["node_label"])
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("node:N", title=text(lang, "node"), sort=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("health_score:Q", title=text(lang, "health_score"), scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("health_score:Q", scale=HEALTH_COLORS, legend=None),
            tooltip=["node", "health_score", "step_conversion_rate", "data_latency_rate", "open_incidents"],
        )
    )
    return _finish(bars, 40 + 28 * len(data))


def funnel_daily(df: pd.DataFrame, lang: str) -> alt.Chart:
    data = df[df["step_conversion_rate"].notna()]
    base = alt.Chart(data).encode(
        x=alt.X("funnel_date:T", title=text(lang, "day")),
        y=alt.Y("step_conversion_rate:Q", title=text(lang, "step_conversion"), axis=alt.Axis(format="%")),
    )
    lines = base.mark_line().encode(color=alt.Color("node_label:N", title=text(lang, "node")))
    flagged = (
        base.transform_filter(alt.datum.is_anomalous)
        .mark_point(color="#d62728", size=90, filled=True)
        .encode(tooltip=["funnel_date:T", "node_label", "step_conversion_rate", "flagged_metrics"])
    )
    return _finish(alt.layer(lines, flagged), 360)


def gap_points(df: pd.DataFrame, lang: str) -> alt.Chart:
    data = df.assign(pair=df["gap_rank"].astype(str) + ". " + df["from_node_key"] + " → " + df["to_node_key"])
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("pair:N", title=text(lang, "node_pair"), sort=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X(
                "loss_rate_deviation:Q", title=text(lang, "loss_rate_deviation"), axis=alt.Axis(format="%")
            ),
            color=alt.condition(
                alt.datum.loss_rate_deviation > 0, alt.value("#d62728"), alt.value("#2ca02c")
            ),
            tooltip=[
                "gap_rank",
                "pair",
                "users_from",
                "loss_rate",
                "norm_loss_rate_mean",
                "loss_rate_z_score",
            ],
        )
    )
    return _finish(bars, 40 + 22 * len(data))


def segments(df: pd.DataFrame, lang: str) -> alt.Chart:
    lines = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("node_step:O", title=text(lang, "step")),
            y=alt.Y("share_of_entry:Q", title=text(lang, "share_of_entry"), axis=alt.Axis(format="%")),
            color=alt.Color("segment:N", title=text(lang, "segment")),
            tooltip=["segment", "node_step", "node_label", "users_reached", "share_of_entry"],
        )
    )
    return _finish(lines, 320)


def health_heatmap(df: pd.DataFrame, lang: str) -> alt.Chart:
    data = _days(df[df["health_score"].notna()], "health_date")
    order = data.sort_values("node_step")["node_label"].drop_duplicates().tolist()
    rects = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X("health_date:O", title=text(lang, "day")),
            y=alt.Y("node_label:N", title=text(lang, "node"), sort=order),
            color=alt.Color("health_score:Q", title=text(lang, "health_score"), scale=HEALTH_COLORS),
            tooltip=["health_date", "node_label", "health_score", "data_latency_rate", "open_incidents"],
        )
    )
    return _finish(rects, 40 + 26 * len(order))


def latency(df: pd.DataFrame, lang: str, limit: float) -> alt.Chart:
    lines = (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=alt.X("health_date:T", title=text(lang, "day")),
            y=alt.Y("data_latency_rate:Q", title=text(lang, "latency_rate"), axis=alt.Axis(format="%")),
            color=alt.Color("node_label:N", title=text(lang, "node")),
            tooltip=["health_date:T", "node_label", "data_latency_rate"],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"limit": [limit]}))
        .mark_rule(color="#d62728", strokeDash=[6, 4], size=2)
        .encode(y="limit:Q")
    )
    return _finish(alt.layer(lines, rule), 320)


LINEAGE_LAYERS = ("source", "base", "stg", "int", "node")


def lineage_nodes(upstream_lineage: str, node_label: str) -> pd.DataFrame:
    """'sources: a, b; models: x, y' -> one row per relation with its layer (source, base, stg, int)
    and position, plus the node itself as the last layer (drawn left to right in that order)."""
    rows: list[tuple[str, str]] = []
    for part in upstream_lineage.split(";"):
        kind, _, names = part.partition(":")
        for name in (n.strip() for n in names.split(",") if n.strip()):
            if kind.strip() == "sources":
                rows.append(("source", name))
            else:
                prefix = name.split("_", 1)[0]
                rows.append((prefix if prefix in LINEAGE_LAYERS else "int", name))
    rows.append(("node", node_label))
    data = pd.DataFrame(rows, columns=["layer", "relation"])
    data["x"] = data["layer"].map(LINEAGE_LAYERS.index)
    data["y"] = data.groupby("layer").cumcount()
    return data


def lineage(data: pd.DataFrame, lang: str) -> alt.Chart:
    points = (
        alt.Chart(data)
        .mark_circle(size=160)
        .encode(
            x=alt.X(
                "x:Q",
                axis=alt.Axis(title=text(lang, "lineage_layer"), labels=False, ticks=False, grid=False),
                scale=alt.Scale(domain=[-0.2, len(LINEAGE_LAYERS) - 0.2]),
            ),
            y=alt.Y("y:Q", axis=None),
            color=alt.Color(
                "layer:N",
                sort=list(LINEAGE_LAYERS),
                title=text(lang, "lineage_layer"),
                scale=alt.Scale(scheme="category10"),
            ),
            tooltip=["layer", "relation"],
        )
    )
    labels = points.mark_text(align="left", dx=10, fontSize=11).encode(text="relation:N")
    return _finish(alt.layer(points, labels), 60 + 34 * int(data["y"].max() + 1))


def _bars_by_day(
    df: pd.DataFrame,
    lang: str,
    day: str,
    measure: str,
    tooltip: list[str],
    colour: tuple[str, str] | None = None,
    **style,
) -> alt.Chart:
    """Bars of ``measure`` per ``day``, titled by the labels of "day" and of the measure itself, optionally
    coloured by (column, label key); ``style``: ``bar`` (mark_bar arguments) and ``axis`` (of the measure)."""
    y = alt.Y(
        f"{measure}:Q", title=text(lang, measure), **({"axis": style["axis"]} if "axis" in style else {})
    )
    encoding = {"x": alt.X(f"{day}:T", title=text(lang, "day")), "y": y}
    if colour:
        encoding["color"] = alt.Color(f"{colour[0]}:N", title=text(lang, colour[1]))
    bars = alt.Chart(df).mark_bar(**style.get("bar", {})).encode(**encoding, tooltip=tooltip)
    return _finish(bars, 260)


def stockout(df: pd.DataFrame, lang: str) -> alt.Chart:
    tooltip = ["date_day:T", "stockout_rate", "active_sku_days", "out_of_stock_sku_days"]
    return _bars_by_day(
        df, lang, "date_day", "stockout_rate", tooltip, bar={"color": "#e377c2"}, axis=alt.Axis(format="%")
    )


def wasted(df: pd.DataFrame, lang: str) -> alt.Chart:
    tooltip = ["date_day:T", "category", "wasted_spend", "wasted_impressions"]
    return _bars_by_day(df, lang, "date_day", "wasted_spend", tooltip, ("category", "category"))


def alerts_by_day(df: pd.DataFrame, lang: str) -> alt.Chart:
    tooltip = ["alert_date:T", "rule_key", "alerts", "new_alerts"]
    return _bars_by_day(df, lang, "alert_date", "alerts", tooltip, ("rule_key", "rule"))


def days_of_cover(df: pd.DataFrame, lang: str) -> alt.Chart:
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y("sku_id:N", title="SKU", sort=None),
        x=alt.X("days_of_cover:Q", title=text(lang, "days_of_cover")),
        color=alt.Color("has_alert:N", title=text(lang, "has_alert"),
                        scale=alt.Scale(domain=[True, False], range=["#d62728", "#1f77b4"])),
        tooltip=["sku_id", "category", "available", "avg_daily_demand", "days_of_cover", "has_alert"],
    )  # fmt: skip
    return _finish(bars, 40 + 18 * len(df))
