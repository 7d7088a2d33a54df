# SPDX-License-Identifier: Apache-2.0
"""Scan-and-match at infusion in real Chromium on a tablet viewport: a keyboard-wedge scanner
types into the scan field and ends with Enter; the wrong wristband is a MISMATCH (blocked,
alerted); the right wristband and bag are a MATCH, signed with the password."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from oncoboard.traceability.schemas import CustodyStep
from tests.conftest import TEST_PASSWORD, LiveServer
from tests.traceability.chain_support import COORDINATOR, Labels, open_case, setup, walk

pytestmark = pytest.mark.browser
TABLET = {"viewport": {"width": 768, "height": 1024}, "has_touch": True, "is_mobile": True,
          "device_scale_factor": 2}  # fmt: skip


def _login(browser: Any, server: LiveServer) -> Any:
    page = browser.new_page(**TABLET)
    page.goto(server.url + "/login")
    page.fill("#username", COORDINATOR)
    page.fill("#password", TEST_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(server.url + "/celltherapy")  # the coordinator's landing page
    return page


def _scan(page: Any, data: str) -> None:
    """What a keyboard-wedge scanner does: type the data into the focused field, then Enter."""
    field = page.locator("#ct-scan")
    assert field.evaluate("el => el === document.activeElement"), "the scan field has focus"
    field.fill(data)
    field.press("Enter")
    page.wait_for_load_state()


def test_scan_and_match_at_infusion_on_a_tablet(
    browser: Any, engine: Engine, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    setup(engine)
    # thawed ten minutes ago: the hand-overs ran over the last two days (6 h apart)
    start = datetime.now(UTC) - timedelta(hours=48, minutes=10)
    expiry = (start + timedelta(days=300)).date()
    for index in (0, 1):
        open_case(engine, index, start=start)
        walk(engine, index, CustodyStep.THAW, start=start, expiry=expiry)
    mine, other = Labels.for_patient(0, expiry), Labels.for_patient(1, expiry)
    page = _login(browser, live_server)
    page.get_by_role("link", name="CHA999926000001").click()
    expect(page.locator("#ct-station-h")).to_have_text("Scan station: Infusion")

    _scan(page, other.wristband)  # the neighbour's wristband
    result = page.locator("#ct-result")
    expect(result).to_have_attribute("role", "alert")
    expect(result).to_contain_text(
        "MISMATCH — patient wristband: expected CT-PT-1, scanned CT-PT-2"
    )
    expect(page.locator("#ct-timeline li").first).to_contain_text("Infusion — blocked")

    _scan(page, mine.wristband)
    expect(page.locator("#ct-next")).to_have_text("Now scan the product label.")
    _scan(page, mine.final)  # ]d2 + GS1 element string, GS separator included
    expect(result).to_contain_text("MATCH — Infusion: identity confirmed")
    expect(result).to_contain_text(
        f"product label: (01)09506000134352(17){expiry:%y%m%d}(10)LOT0(21)SN0000"
    )

    page.fill("#ct-password", TEST_PASSWORD)
    page.get_by_role("button", name="Sign and record infusion").click()
    page.wait_for_url(re.compile(r"\?recorded=\d+$"))
    expect(result).to_contain_text("Recorded: Infusion — signed by Tom Becker")
    expect(page.locator("#ct-status")).to_have_text("infused")
    expect(page.locator("#ct-verification")).to_contain_text(
        "intact · 11 entries, 2 signatures verified"
    )
    # the whole page fits the tablet's width
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.goto(live_server.url + "/celltherapy")
    alerts = page.locator("#ct-alerts li")
    expect(alerts).to_have_count(1)
    expect(alerts.first).to_contain_text("identity mismatch")
    alerts.first.get_by_label("What was done").fill("wrong patient's wristband scanned; rescanned")
    alerts.first.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#ct-alerts li")).to_have_text(["No open alerts."])
    page.close()
