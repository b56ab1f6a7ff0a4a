"""The contract every command module keeps, and calling a command in-process.

A command module (keynode.pipeline, keynode.quality.checkpoint, ...) defines ``configure(parser)`` and
``run(args) -> int``. keynode.cli builds the ``keynode`` command line from them; code that calls one
command from another (the main job runs the checkpoint) and tests use :func:`invoke` with the same
arguments a user would type.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from types import ModuleType


def parse_args(module: ModuleType, argv: Sequence[str]) -> argparse.Namespace:
    """``argv`` parsed with the options of a command module."""
    parser = argparse.ArgumentParser(prog=f"keynode {module.__name__.rsplit('.', 1)[-1]}")
    module.configure(parser)
    return parser.parse_args(list(argv))


def invoke(module: ModuleType, argv: Sequence[str]) -> int:
    """Runs a command module with ``argv`` in this process and returns its exit status."""
    return int(module.run(parse_args(module, argv)) or 0)


def parse_count(text: str) -> int:
    """An event count such as 5000, 250k, 10M or 1.5M."""
    t = text.strip().upper().replace("_", "").replace(",", "")
    scale = {"K": 1_000, "M": 1_000_000, "B": 1_000_000_000}.get(t[-1:], 1)
    try:
        return int(float(t[:-1] if scale > 1 else t) * scale)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a count (e.g. 5000, 250k, 10M): {text!r}") from exc
