"""The dbt-duckdb plugin (profiles.yml, `plugins`) that registers keynode's Python functions on every
connection dbt opens, so the models' DuckDB SQL can call them: the funnel's per-user pass, as chains
(int_funnel_user_days) and as next moves (int_funnel_next_moves)."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from keynode.udf import window_funnel

# (SQL name, arrow function, return type); every one takes (BIGINT[] packed events, BIGINT window in
# microseconds, INTEGER max steps)
FUNCTIONS = (
    ("keynode_window_funnel_chains", window_funnel.window_funnel_chains, window_funnel.RESULT_SQL_TYPE),
    (
        "keynode_window_funnel_next_moves",
        window_funnel.window_funnel_next_moves,
        window_funnel.MOVES_SQL_TYPE,
    ),
)


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        for name, function, return_type in FUNCTIONS:
            conn.create_function(name, function, ["BIGINT[]", "BIGINT", "INTEGER"], return_type, type="arrow")
