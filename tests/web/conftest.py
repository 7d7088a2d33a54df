# SPDX-License-Identifier: Apache-2.0
"""Shared Chromium for the browser tests (Debian chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

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


@pytest.fixture
def demo_server(engine: Any, settings: Any, live_server: Any) -> Any:
    """The live server over the demo cohort and its accounts (one per role)."""
    from oncoboard.demo.loader import load_demo

    for _ in load_demo(engine=engine, settings=settings):
        pass
    return live_server


def demo_headers(server: Any, username: str) -> dict[str, str]:
    """Bearer headers for a demo account, got the way a user gets them."""
    import httpx

    answer = httpx.post(
        f"{server.url}/api/v1/auth/token",
        json={"username": username, "password": "oncoboard-demo"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}
