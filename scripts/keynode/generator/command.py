"""Generate keynode's synthetic raw zone: Parquet files per entity and landing date
(``<out>/<entity>/dt=YYYY-MM-DD/part-NNNN.parquet``, docs/raw_zone.md) and ``_manifest.json``, the
ground truth (expected staging counts, injected faults, the true size of every built-in effect).

The same seed and options always give the same files. Unless --no-faults, it injects known faults
(three node conversion drops, a missing hour, a late-arrival day, a file delivered twice, a traffic
outage, a marketing source gap, SKUs that surge and sell out, malformed rows of every class). The
output folder is cleared first, but only when it is empty or already a generated raw zone.

Examples:
  keynode generate                                            # the default demo dataset into data/raw
  keynode generate --seed 7 --days 42 --start-date 2026-10-08 --out data/raw
  keynode generate --events 10M --days 31 --no-faults --out /tmp/bench/raw
  keynode generate --seed 8 --no-faults --out /tmp/cal/raw    # the calibration history
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from keynode.commands import parse_count
from keynode.paths import default_raw_path


def configure(p: argparse.ArgumentParser) -> None:
    from keynode.generator.params import DEFAULT_USERS

    p.add_argument(
        "--seed", type=int, default=7, help="random seed (default 7); same seed + options = same data"
    )
    p.add_argument(
        "--start-date",
        type=date.fromisoformat,
        default=date(2026, 10, 8),
        help="first business day, YYYY-MM-DD (default 2026-10-08)",
    )
    p.add_argument("--days", type=int, default=42, help="number of days (default 42; faults need >= 14)")
    size = p.add_mutually_exclusive_group()
    size.add_argument(
        "--users", type=int, default=None, help=f"number of users (default {DEFAULT_USERS:,}, ~4.4M events)"
    )
    size.add_argument(
        "--events",
        type=parse_count,
        default=None,
        help="approximate number of events (e.g. 10M); sets --users",
    )
    p.add_argument("--skus", type=int, default=2000, help="catalogue size (default 2000)")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default $KEYNODE_RAW_PATH or data/raw); cleared first",
    )
    p.add_argument(
        "--no-faults", action="store_true", help="clean data: no injected faults or malformed rows"
    )
    p.add_argument("--quiet", action="store_true", help="no progress line, only the summary")


def run(args: argparse.Namespace) -> int:
    from keynode.generator.options import Options, Seeds
    from keynode.generator.run import Generator, users_for_events

    if args.days < 1 or args.skus < 60:
        print("keynode generate: --days must be >= 1 and --skus >= 60", file=sys.stderr)
        return 2
    out = args.out or default_raw_path()
    opts = Options(
        seed=args.seed,
        start_date=args.start_date,
        days=args.days,
        skus=args.skus,
        faults=not args.no_faults,
        events_target=args.events,
    )
    opts.users = users_for_events(args.events, Seeds.load(), opts) if args.events else args.users
    if opts.users is None:
        from keynode.generator.params import DEFAULT_USERS

        opts.users = DEFAULT_USERS
    if opts.faults and opts.days < 14:
        print("keynode generate: warning: fewer than 14 days; some faults may share days", file=sys.stderr)
    if not args.quiet:
        print(
            f"keynode generate: seed={opts.seed} start={opts.start_date} days={opts.days} "
            f"users={opts.users:,} skus={opts.skus} faults={'on' if opts.faults else 'off'} -> {out}",
            flush=True,
        )
    generator = Generator(opts, out, quiet=args.quiet)
    manifest = generator.run()
    n_events = manifest["row_counts"]["events"]
    rate = n_events / max(generator.seconds, 1e-9)
    print(f"keynode generate: wrote {out} in {generator.seconds:.1f} s ({rate:,.0f} events/s)")
    for entity, n in manifest["row_counts"].items():
        print(f"  {entity:<24}{n:>14,}")
    return 0
