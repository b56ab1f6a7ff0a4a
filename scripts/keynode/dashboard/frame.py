"""What every page shares: the language switch, the served version and cached read-only queries."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from keynode.dashboard import data
from keynode.dashboard.labels import DEFAULT_LANGUAGE, LANGUAGES, text
from keynode.paths import default_bi_path, project_path


def artefact() -> data.Artefact:
    """The published artefact: $KEYNODE_BI_PATH (set by `keynode dashboard --bi`), else the default."""
    env = os.environ.get("KEYNODE_BI_PATH")
    return data.Artefact(project_path(env) if env else default_bi_path())


LANGUAGE_KEY = "keynode_language"


def language() -> str:
    """The session's language (zh/en): the first visit may ask with ?lang=en; the switch changes it."""
    if LANGUAGE_KEY not in st.session_state:
        asked = st.query_params.get("lang", DEFAULT_LANGUAGE)
        st.session_state[LANGUAGE_KEY] = asked if asked in LANGUAGES else DEFAULT_LANGUAGE
    return st.session_state[LANGUAGE_KEY]


def _switched() -> None:
    st.session_state[LANGUAGE_KEY] = st.session_state["language_switch"]


def language_switch() -> None:
    """The sidebar's language radio. Rendered by the app script (not a page), so it keeps its state on
    every page; its callback runs before the rerun, so the navigation is relabelled at once."""
    st.sidebar.radio(
        "语言 / Language",
        options=list(LANGUAGES),
        index=list(LANGUAGES).index(language()),
        format_func=LANGUAGES.get,
        key="language_switch",
        on_change=_switched,
        horizontal=True,
    )


@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _cached(served: str, name: str, params: tuple) -> pd.DataFrame:
    return data.query(served, name, dict(params))


class Reader:
    """One page run's view of the artefact: every query reads the same served version."""

    def __init__(self, lang: str):
        self.lang = lang
        try:
            self.served: Path = artefact().served_file()
        except data.NotPublished:
            st.info(text(lang, "not_published"))
            st.stop()

    def __call__(self, name: str, **params) -> pd.DataFrame:
        return _cached(str(self.served), name, tuple(sorted(params.items())))


def chart(key: str, figure, rows: int, lang: str) -> None:
    """A chart in a container named ``chart-<key>`` (the browser tests find it by that class), or a
    caption when there is nothing to draw."""
    with st.container(key=f"chart-{key}"):
        if rows == 0:
            st.caption(text(lang, "no_rows"))
        else:
            st.altair_chart(figure, width="stretch")


def table(df: pd.DataFrame, lang: str, columns: dict[str, str], percent: tuple[str, ...] = ()) -> None:
    """A dataframe with the given columns, titled in the page's language (percent columns as %)."""
    config = {
        c: st.column_config.NumberColumn(text(lang, label), format="percent")
        if c in percent
        else st.column_config.Column(text(lang, label))
        for c, label in columns.items()
    }
    st.dataframe(df[list(columns)], column_config=config, hide_index=True, width="stretch")
