"""Roll the BI artefact back to a kept publication, atomically (or list the kept versions).

`--to VERSION` serves a copy of that version whose published_status says it was rolled back (from which
version, when, and what happened to the newest build); readers that already opened the served file keep
it, the next open gets the rolled-back version. The next successful `keynode run` publishes a new
version on top. Versions are kept per the retention ($KEYNODE_BI_KEEP_VERSIONS, default 7).

Examples:
  keynode rollback --list
  keynode rollback --to 11
  keynode rollback --to 11 --bi /srv/bi/keynode_bi.duckdb
"""

from __future__ import annotations

import argparse
import sys

from keynode.publish import status, writer
from keynode.publish.command import add_location_options, locations, stage_printer
from keynode.publish.layout import BiLayout, UnsafeValue, parse_version, publisher_lock


def configure(p: argparse.ArgumentParser) -> None:
    add_location_options(p)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--list", action="store_true", help="list the kept versions (* = served)")
    what.add_argument("--to", metavar="VERSION", help="serve this kept version again")


def listing(layout: BiLayout) -> str:
    served = layout.served()
    lines = [
        f"{'':2}{'version':>8}  {'published_at (UTC)':<21} {'build_id':<26} {'data range':<23} {'rows':>11}"
    ]
    for item in status.version_summaries(layout):
        mark = "*" if served and served[0] == item["version"] else " "
        span = f"{item['data_from']}..{item['data_through']}"
        lines.append(
            f"{mark:2}{item['version']:>8}  {item['published_at']:<21} {item['build_id']:<26} "
            f"{span:<23} {item['total_rows']:>11,}"
        )
    if served:
        record = status.read_served_record(layout)
        lines.append(f"served: version {served[0]} revision {served[1]} ({record['serving_reason']})")
    else:
        lines.append("nothing is served")
    return "\n".join(lines)


def rollback_to(layout: BiLayout, version: int) -> int:
    """Serves ``version`` again; returns the new revision. Raises LookupError for an unknown version."""
    with publisher_lock(layout):
        writer.prepare(layout)
        kept = layout.versions()
        if version not in kept:
            raise LookupError(f"version {version} is not kept here; kept versions: {kept or 'none'}")
        current = status.read_served_record(layout) or {}
        updates = {
            "serving_reason": "rolled_back",
            "rolled_back_from": current.get("version"),
            "status_at": writer.now_utc(),
            "newest_build_id": current.get("newest_build_id"),
            "newest_build_at": current.get("newest_build_at"),
            "newest_build_status": current.get("newest_build_status"),
            "held_back_reasons": current.get("held_back_reasons"),
        }
        return writer.status_revision(layout, version, updates, stage_printer)


def run(args: argparse.Namespace) -> int:
    try:
        _, layout = locations(args)
        version = None if args.list else parse_version(args.to)
    except UnsafeValue as exc:
        print(f"keynode rollback: {exc}", file=sys.stderr)
        return 2
    if args.list:
        print(listing(layout))
        return 0
    try:
        revision = rollback_to(layout, version)
    except LookupError as exc:
        print(f"keynode rollback: {exc}", file=sys.stderr)
        return 1
    print(f"[rollback] serving version {version} (revision {revision}) at {layout.artefact}")
    return 0
