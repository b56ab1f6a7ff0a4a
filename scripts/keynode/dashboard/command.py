"""Serve the node-health dashboard in the browser (Streamlit, offline).

Reads only the published BI artefact, read-only (default bi/keynode_bi.duckdb beside the warehouse, or
$KEYNODE_BI_PATH / --bi), so it keeps working while `keynode run` builds and publishes; each page shows
the newest publication when it is opened or refreshed. Pages: overview (key nodes, open incidents by
ladder level, publication freshness), funnels (step conversion per day with anomaly markers, gap points
ranked, breakdown by segment), node health (node x day health heatmap, data latency rate with its
action line, lineage of an unhealthy node) and the SKU board (stock-outs, wasted exposure, replenishment
alerts, days of cover). Labels in Chinese or English (switch in the sidebar, or ?lang=en).

Nothing leaves the machine: Streamlit serves its own bundled assets, usage statistics are off and the
server listens on 127.0.0.1 unless --address says otherwise.

Examples:
  keynode dashboard                              # http://127.0.0.1:8501 on data/bi/keynode_bi.duckdb
  keynode dashboard --bi /data/bi/keynode_bi.duckdb --port 8600
  keynode dashboard --address 0.0.0.0            # reachable from other machines
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from keynode.paths import default_bi_path, project_path

APP = Path(__file__).with_name("app.py")


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bi", default=None, help="published artefact (default $KEYNODE_BI_PATH or data/bi/...)")
    p.add_argument("--port", type=int, default=8501, help="HTTP port (default 8501)")
    p.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")


def streamlit_command(port: int, address: str) -> list[str]:
    """``streamlit run`` of the app, headless and offline."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", address,
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",
        "--theme.base", "light",
    ]  # fmt: skip


def environment(bi: Path) -> dict[str, str]:
    return {**os.environ, "KEYNODE_BI_PATH": str(bi), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}


def run(args: argparse.Namespace) -> int:
    bi = project_path(args.bi) if args.bi else default_bi_path()
    print(f"[dashboard] http://{args.address}:{args.port}  (artefact {bi}; Ctrl-C stops)", flush=True)
    try:
        return subprocess.call(streamlit_command(args.port, args.address), env=environment(bi))
    except KeyboardInterrupt:
        return 0
