# SPDX-License-Identifier: Apache-2.0
"""Shared Chromium for the browser tests (Debian chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.support import require_or_skip

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = os.environ.get("ONCOBOARD_CHROMIUM") or shutil.which("chromium")
    require_or_skip(
        executable is not None,
        "chromium not found (install Debian chromium or set ONCOBOARD_CHROMIUM)",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
