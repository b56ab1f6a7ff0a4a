"""The Streamlit script of `keynode dashboard` (run by ``streamlit run``; not imported by keynode)."""

from __future__ import annotations

import streamlit as st

from keynode.dashboard.frame import language, language_switch
from keynode.dashboard.labels import text
from keynode.dashboard.pages_nodes import funnels, node_health, overview
from keynode.dashboard.pages_sku import sku_board

st.set_page_config(page_title="keynode", layout="wide")
lang = language()
pages = [
    st.Page(overview, title=text(lang, "page_overview"), default=True),
    st.Page(funnels, title=text(lang, "page_funnel"), url_path="funnels"),
    st.Page(node_health, title=text(lang, "page_health"), url_path="node-health"),
    st.Page(sku_board, title=text(lang, "page_sku"), url_path="sku-board"),
]
navigation = st.navigation(pages)
language_switch()
navigation.run()
