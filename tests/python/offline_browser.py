"""Headless Chromium for the browser tests: a fresh profile per use, and every request whose URL does not
start with one of the allowed prefixes blocked and recorded, so a test can assert that nothing left the
machine (``blocked == []``).

Needs /usr/bin/chromium (scripts/install_browser.sh; scripts/test.sh installs it): ``require_chromium``
skips without it, except in CI, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def require_chromium() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("no /usr/bin/chromium although scripts/test.sh installs it")
        pytest.skip("no /usr/bin/chromium: run scripts/install_browser.sh")


@contextmanager
def offline_chromium(allow: tuple[str, ...], width: int, height: int) -> Iterator[tuple[Any, list[str]]]:
    """A Playwright browser context and the list of URLs it blocked (every one not starting with a prefix
    in ``allow``); closed on exit."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def only_allowed(route) -> None:
        if route.request.url.startswith(allow):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
            viewport={"width": width, "height": height},
        )  # fmt: skip
        try:
            context.route("**/*", only_allowed)
            yield context, blocked
        finally:
            context.close()
