"""The node pages: overview (key nodes, open incidents by ladder level, publication freshness), funnels
(step conversion per day with anomaly markers, gap points ranked, segments) and node health (node x day
health heatmap, latency rate with its action line, lineage of an unhealthy node)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from keynode.dashboard import charts
from keynode.dashboard.frame import Reader, chart, language, table
from keynode.dashboard.labels import text
from keynode.project import dbt_var

KEY_NODES_SHOWN = 8
SEGMENT_TYPES = ("channel_group", "platform", "is_new_user", "member_tier")


def _fmt(value, pattern: str = "{}") -> str:
    return "-" if value is None or pd.isna(value) else pattern.format(value)


def _node_day(row: pd.Series, lang: str) -> str:
    day = pd.Timestamp(row["health_date"]).date()
    return f"{day} · {row['node_label']} · {text(lang, 'latency_rate')} {row['data_latency_rate']:.1%}"


def overview() -> None:
    lang = language()
    read = Reader(lang)
    st.title(text(lang, "app_title"))

    st.subheader(text(lang, "freshness"))
    status = read("status").iloc[0]
    cols = [*st.columns(3), *st.columns(3)]
    revision = f" r{status['revision']}" if status["revision"] else ""
    cols[0].metric(text(lang, "version"), f"v{status['version']}{revision}")
    published = pd.Timestamp(status["published_at"]).strftime("%Y-%m-%d %H:%M")
    cols[1].metric(text(lang, "published_at"), published)
    cols[2].metric(text(lang, "hours_since"), _fmt(status["hours_since_published"], "{:.1f}"))
    cols[3].metric(text(lang, "data_through"), str(pd.Timestamp(status["data_through"]).date()))
    cols[4].metric(text(lang, "serving_reason"), text(lang, f"served_{status['serving_reason']}"))
    cols[5].metric(text(lang, "checks"), "✔" if status["checks_passed"] else "✘")
    st.caption(f"{text(lang, 'checks')}: {status['checks_summary']}")
    if status["serving_reason"] != "published":
        st.warning(f"{text(lang, 'serving_reason')}: {text(lang, 'served_' + status['serving_reason'])}")

    left, right = st.columns([3, 2])
    with left:
        st.subheader(text(lang, "key_nodes"))
        st.caption(text(lang, "key_nodes_note"))
        nodes = read("key_nodes", limit=KEY_NODES_SHOWN)
        chart("key-node-health", charts.key_node_health(nodes, lang), len(nodes), lang)
        table(
            nodes,
            lang,
            {"funnel_key": "funnel", "node_label": "node", "is_key_node": "is_key_node",
             "users_reached": "users_reached", "step_conversion_rate": "step_conversion",
             "data_latency_rate": "latency_rate", "health_score": "health_score",
             "open_incidents": "open_incidents", "roi_contribution_share": "roi_share"},
            percent=("step_conversion_rate", "data_latency_rate", "roi_contribution_share"),
        )  # fmt: skip
    with right:
        st.subheader(text(lang, "open_incidents_by_level"))
        incidents = read("open_incidents")
        st.metric(text(lang, "open_incidents"), int(incidents["open_incidents"].sum()))
        chart("open-incidents", charts.incidents_by_level(incidents, lang), len(incidents), lang)


def _funnel_picker(read: Reader, lang: str, key: str) -> pd.Series:
    funnels = read("funnels")
    keys = funnels["funnel_key"].tolist()
    default = keys.index("purchase") if "purchase" in keys else 0
    chosen = st.selectbox(text(lang, "funnel"), keys, index=default, key=key)
    return funnels.set_index("funnel_key").loc[chosen].rename(chosen)


def funnels() -> None:
    lang = language()
    read = Reader(lang)
    st.title(text(lang, "page_funnel"))
    funnel = _funnel_picker(read, lang, "funnel-page-funnel")
    params = {"funnel_key": funnel.name}

    st.subheader(text(lang, "funnel_daily"))
    nodes = read("funnel_nodes", **params)
    later = nodes[nodes["node_step"] > 1]
    default = later[later["is_key_node"]]["node_label"].tolist() or later["node_label"].tolist()
    shown = st.multiselect(text(lang, "nodes_shown"), later["node_label"].tolist(), default=default,
                           key=f"funnel-nodes-{funnel.name}")  # fmt: skip
    daily = read("funnel_daily", **params)
    daily = daily[daily["node_label"].isin(shown)]
    points = int(daily["step_conversion_rate"].notna().sum())
    chart("funnel-daily", charts.funnel_daily(daily, lang), points, lang)
    flagged = daily[daily["is_anomalous"]]
    if len(flagged):
        columns = {"funnel_date": "day", "node_label": "node", "step_conversion_rate": "step_conversion",
                   "flagged_metrics": "flagged_metrics"}  # fmt: skip
        flagged = flagged.assign(funnel_date=pd.to_datetime(flagged["funnel_date"]).dt.date)
        table(flagged, lang, columns, percent=("step_conversion_rate",))

    st.subheader(text(lang, "gap_points"))
    days = pd.date_range(funnel["first_day"], funnel["last_day"]).date.tolist()
    day = st.select_slider(text(lang, "day"), options=days, value=days[-1], key=f"gap-day-{funnel.name}")
    gaps = read("gap_points", funnel_date=day, **params)
    chart("gap-points", charts.gap_points(gaps, lang), len(gaps), lang)

    st.subheader(text(lang, "segments"))
    segment_type = st.radio(text(lang, "segment_type"), SEGMENT_TYPES, horizontal=True, key="segment-type",
                            format_func=lambda s: text(lang, f"seg_{s}"))  # fmt: skip
    segments = read("segments", segment_type=segment_type, **params)
    chart("segments", charts.segments(segments, lang), len(segments), lang)


def node_health() -> None:
    lang = language()
    read = Reader(lang)
    st.title(text(lang, "page_health"))
    funnel = _funnel_picker(read, lang, "health-page-funnel")
    health = read("node_health", funnel_key=funnel.name)

    st.subheader(text(lang, "health_heatmap"))
    scored = int(health["health_score"].notna().sum())
    chart("health-heatmap", charts.health_heatmap(health, lang), scored, lang)

    limit = float(dbt_var("keynode__anomaly_max_latency_rate"))
    st.subheader(text(lang, "latency_chart").format(limit=f"{limit:.0%}"))
    latency = health[health["data_latency_rate"].notna()]
    chart("latency", charts.latency(latency, lang, limit), len(latency), lang)

    st.subheader(text(lang, "lineage"))
    unhealthy = health[health["upstream_lineage"].notna()]
    unhealthy = unhealthy.sort_values(["health_date", "node_step"], ascending=False)
    if unhealthy.empty:
        st.caption(text(lang, "no_unhealthy"))
        return
    options = list(range(len(unhealthy)))
    pick = st.selectbox(
        text(lang, "unhealthy_node_day"),
        options,
        format_func=lambda i: _node_day(unhealthy.iloc[i], lang),
        key=f"lineage-pick-{funnel.name}",
    )  # fmt: skip
    row = unhealthy.iloc[pick]
    graph = charts.lineage_nodes(row["upstream_lineage"], row["node_label"])
    chart("lineage", charts.lineage(graph, lang), len(graph), lang)
