"""Load a real dataset into a keynode raw zone (docs/raw_zone.md), then build it with ``keynode run``.

Each loader maps one public dataset onto the raw-zone contract and writes ``_manifest.json`` beside
it: what was loaded and the row accounting staging must reproduce (raw = valid + quarantined +
duplicates). The output folder is cleared first, but only when it is empty or already a raw zone.

Loaders:
  events   any CSV/Parquet clickstream through a YAML mapping (--mapping FILE, or a shipped mapping:
           rees46, open_bandit)                     -> events, sku_catalog
  rees46   REES46 clickstream (view/cart/purchase) -> events, sku_catalog
  uci      UCI Online Retail invoice lines          -> orders, order_lines, sku_catalog

Then build: `keynode run --raw DIR` (applies the dbt vars the loader recorded in DIR/_manifest.json).

Examples:
  keynode load events --mapping my_clicks.yml --input exports/clicks.csv --out data/my_raw
  keynode load events --mapping open_bandit --out data/obd_raw
  keynode load rees46 --out data/rees46_raw
  keynode load uci --out data/uci_raw --limit 20000
  keynode load rees46 --input ~/exports/2019-Oct.csv.gz --out /data/rees46_raw
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

#: loader name -> module (each has DEFAULT_INPUT, SUMMARY, INPUT_HELP, load(input, out, limit), summary(m))
LOADERS = {
    "events": "keynode.loaders.events",
    "rees46": "keynode.loaders.rees46",
    "uci": "keynode.loaders.uci",
}

#: the Examples lines of this docstring; each loader's --help shows those of its own name
EXAMPLES = [line.strip() for line in __doc__.split("Examples:", 1)[1].splitlines() if line.strip()]


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="loader", metavar="<loader>", required=True)
    for name, module_name in LOADERS.items():
        module = importlib.import_module(module_name)
        examples = [line for line in EXAMPLES if line.startswith(f"keynode load {name} ")]
        lp = sub.add_parser(
            name,
            help=module.SUMMARY.split(" into ")[0],
            description=module.SUMMARY,
            epilog="Examples:\n" + "\n".join(f"  {line}" for line in examples),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        lp.add_argument("--input", type=Path, default=module.DEFAULT_INPUT, help=module.INPUT_HELP)
        lp.add_argument("--out", type=Path, required=True, help="raw-zone folder to write (cleared first)")
        lp.add_argument("--limit", type=int, default=None, help="load only the first N rows (tests)")
        lp.add_argument("--quiet", action="store_true", help="print nothing")
        if hasattr(module, "configure"):
            module.configure(lp)


def run(args: argparse.Namespace) -> int:
    """Exit status 0 when loaded, 2 when the input file is missing."""
    module = importlib.import_module(LOADERS[args.loader])
    if args.input is not None and not args.input.exists():
        print(f"keynode load {args.loader}: input not found: {args.input}", file=sys.stderr)
        return 2
    options = {"mapping": args.mapping} if hasattr(module, "configure") else {}
    try:
        manifest = module.load(args.input.resolve() if args.input else None, args.out, args.limit, **options)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return 2
        raise
    if not args.quiet:
        print(module.summary(manifest))
    return 0
