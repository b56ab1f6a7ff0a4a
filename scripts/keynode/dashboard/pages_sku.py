"""The SKU board: stock-out rate, wasted exposure on out-of-stock SKUs, replenishment alerts and the
SKUs with the fewest days of cover."""

from __future__ import annotations

import streamlit as st

from keynode.dashboard import charts
from keynode.dashboard.frame import Reader, chart, language, table
from keynode.dashboard.labels import text

LOWEST_COVER_SHOWN = 25


def sku_board() -> None:
    lang = language()
    read = Reader(lang)
    st.title(text(lang, "page_sku"))
    stockouts = read("stockout_daily")
    alerts = read("replenishment_alerts")
    by_day = read("alerts_by_day")

    cols = st.columns(4)
    known = stockouts[stockouts["stockout_rate"].notna()]
    newest_rate = "-" if known.empty else f"{known['stockout_rate'].iloc[-1]:.1%}"
    cols[0].metric(text(lang, "stockout_rate"), newest_rate)
    cols[1].metric(text(lang, "wasted_spend"), f"{stockouts['wasted_spend'].sum():,.2f}")
    cols[2].metric(text(lang, "replenishment_alerts"), len(alerts))
    newest = by_day[by_day["alert_date"] == by_day["alert_date"].max()] if len(by_day) else by_day
    cols[3].metric(text(lang, "new_alerts_today"), int(newest["new_alerts"].sum()) if len(newest) else 0)

    left, right = st.columns(2)
    with left:
        st.subheader(text(lang, "stockout_chart"))
        chart("stockout", charts.stockout(known, lang), len(known), lang)
    with right:
        st.subheader(text(lang, "wasted_exposure"))
        wasted = read("wasted_by_category")
        wasted = wasted[wasted["wasted_spend"].fillna(0) > 0]
        chart("wasted", charts.wasted(wasted, lang), len(wasted), lang)

    st.subheader(text(lang, "alerts_by_day"))
    chart("alerts-by-day", charts.alerts_by_day(by_day, lang), len(by_day), lang)
    st.subheader(text(lang, "replenishment_alerts"))
    table(
        alerts,
        lang,
        {"sku_id": "sku", "category": "category", "rule_key": "rule", "days_of_cover": "days_of_cover",
         "recommended_order_quantity": "order_qty"},
    )  # fmt: skip

    st.subheader(text(lang, "lowest_cover"))
    cover = read("days_of_cover", limit=LOWEST_COVER_SHOWN)
    chart("days-of-cover", charts.days_of_cover(cover, lang), len(cover), lang)
