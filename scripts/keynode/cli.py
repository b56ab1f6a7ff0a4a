"""keynode's one command line: ``keynode <command> [options]``.

Every command lives in the module that owns its concern and exposes two functions, ``configure(parser)``
(its options) and ``run(args) -> int`` (its exit status); its module docstring is its help, and the
part after an "Examples" heading is shown as examples under ``--help``. Modules are imported only when
their command is asked for, so ``keynode --help`` stays fast (Great Expectations alone takes 2 s).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Command:
    name: str
    module: str
    summary: str


COMMANDS: tuple[Command, ...] = (
    Command("run", "keynode.pipeline", "the main job: raw zone -> warehouse -> checks -> summary"),
    Command("publish", "keynode.publish.command", "publish the audited warehouse to the BI artefact"),
    Command("rollback", "keynode.publish.rollback", "serve a kept BI publication again (or --list them)"),
    Command("generate", "keynode.generator.command", "write the synthetic demo raw zone and its manifest"),
    Command("load", "keynode.loaders.command", "load data into a raw zone (events --mapping, rees46, uci)"),
    Command("check", "keynode.quality.checkpoint", "run the Great Expectations checkpoint day by day"),
    Command("calibrate", "keynode.stats.calibrate", "backtest and propose the anomaly thresholds"),
    Command("prune-metrics", "keynode.stats.prune_metrics", "shortlist the node metrics that track orders"),
    Command("bench", "keynode.bench.command", "benchmark build time, memory, incremental cost and chdb"),
    Command("dashboard", "keynode.dashboard.command", "serve the node-health dashboard in the browser"),
)

EPILOG = """Examples:
  keynode run                                  # demo raw zone (generated if absent) -> data/keynode.duckdb
  keynode generate --seed 7 --days 42 --out data/raw
  keynode load rees46 --out data/rees46_raw
  keynode check --all-days
  keynode rollback --list                      # the kept BI publications
  keynode dashboard                            # the node-health dashboard on http://127.0.0.1:8501
  keynode <command> --help                     # options and examples of one command
"""


def help_parts(module: ModuleType) -> tuple[str, str | None]:
    """(description, examples) from a command module's docstring."""
    doc = (module.__doc__ or "").strip()
    head, sep, examples = doc.partition("\nExamples")
    description = head.strip()
    epilog = ("Examples" + examples.rstrip()) if sep else None
    return description, epilog


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser. Only the command named by ``only`` is imported and configured; the others are listed
    by name and summary (enough for ``keynode --help``)."""
    parser = argparse.ArgumentParser(
        prog="keynode",
        description="keynode: key-node funnels, SKU-day and anomaly marts on dbt + DuckDB.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    for command in COMMANDS:
        if only is not None and command.name != only:
            sub.add_parser(command.name, help=command.summary, add_help=False)
            continue
        module = importlib.import_module(command.module)
        description, epilog = help_parts(module)
        p = sub.add_parser(
            command.name,
            help=command.summary,
            description=description,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.configure(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    names = {c.name for c in COMMANDS}
    only = argv[0] if argv and argv[0] in names else None
    parser = build_parser(only)
    args = parser.parse_args(argv)
    return int(args._module.run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
