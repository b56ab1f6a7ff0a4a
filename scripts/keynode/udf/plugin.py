"""The dbt-duckdb plugin (profiles.yml, `plugins`) that registers keynode's Python functions on every
connection dbt opens, so the models' DuckDB SQL can call them: the funnel's per-user pass, as chains
(int_funnel_user_days) and as next moves (int_funnel_next_moves)."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from keynode.udf import window_funnel


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        conn.create_function(
            "keynode_window_funnel_chains",
            window_funnel.window_funnel_chains,
            ["BIGINT[]", "BIGINT", "INTEGER"],
            window_funnel.RESULT_SQL_TYPE,
            type="arrow",
        )
        conn.create_function(
            "keynode_window_funnel_next_moves",
            window_funnel.window_funnel_next_moves,
            ["BIGINT[]", "BIGINT", "INTEGER"],
            window_funnel.MOVES_SQL_TYPE,
            type="arrow",
        )
