"""A live progress line for long steps (generator days, dbt nodes, checkpoint days).

On a terminal the line is redrawn in place (``\\r``) with a bar; in a log or CI (not a terminal) a plain
line is printed at most every ``interval`` seconds and once at the end, so logs stay short. Progress
goes to stderr: stdout keeps only the results a script might parse.

    progress = Progress("dbt build", total=499, unit="nodes")
    progress.advance(detail="model.keynode.int_sessions")
    progress.close("499 nodes in 55.3 s")
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

BAR_WIDTH = 24


class Progress:
    """One step's progress: ``label  [#####.....]  done/total unit  detail``."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        unit: str = "",
        stream: TextIO | None = None,
        enabled: bool = True,
        interval: float = 10.0,
    ):
        self.label = label
        self.total = total
        self.unit = unit
        self.stream = stream or sys.stderr
        self.enabled = enabled and os.environ.get("KEYNODE_PROGRESS", "1") != "0"
        self.interval = interval
        self.live = self.enabled and self.stream.isatty()
        self.done = 0
        self.started = time.monotonic()
        self._last_print = 0.0
        self._width = 0

    def set_total(self, total: int) -> None:
        self.total = total

    def advance(self, n: int = 1, detail: str = "") -> None:
        self.update(self.done + n, detail)

    def update(self, done: int, detail: str = "") -> None:
        self.done = done
        if self.total is not None and done > self.total:  # the announced total was an estimate
            self.total = done
        if not self.enabled:
            return
        now = time.monotonic()
        if self.live:
            self._draw(self.line(detail))
        elif now - self._last_print >= self.interval:
            self._last_print = now
            print(self.line(detail), file=self.stream, flush=True)

    def line(self, detail: str = "") -> str:
        elapsed = time.monotonic() - self.started
        if self.total:
            filled = min(BAR_WIDTH, round(BAR_WIDTH * self.done / self.total))
            bar = "[" + "#" * filled + "." * (BAR_WIDTH - filled) + "]"
            count = f"{self.done}/{self.total} {self.unit}".rstrip()
        else:
            bar, count = "", f"{self.done} {self.unit}".rstrip()
        parts = [f"[{self.label}]", bar, count, f"{elapsed:5.0f} s", detail]
        return "  ".join(p for p in parts if p)

    def _draw(self, text: str) -> None:
        pad = max(0, self._width - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = len(text)

    def close(self, summary: str = "") -> None:
        """Ends the line; ``summary`` replaces the detail of the final state."""
        if not self.enabled:
            return
        final = self.line(summary)
        if self.live:
            self._draw(final)
            self.stream.write("\n")
            self.stream.flush()
        else:
            print(final, file=self.stream, flush=True)
