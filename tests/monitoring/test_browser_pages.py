# SPDX-License-Identifier: Apache-2.0
"""The Done-means path in Chromium at phone width: a patient reports, a nurse sees the alert."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from oncoboard.governance.vocabulary import Role
from oncoboard.monitoring.models import AlertRow
from oncoboard.record.models import PatientRow
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer, make_user
from tests.web.conftest import browser  # noqa: F401  (the shared Chromium fixture)

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = os.environ.get("ONCOBOARD_SCREENSHOTS")
WIDTH = "() => document.documentElement.scrollWidth"


def _shot(page: object, tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    page.screenshot(path=str(target), full_page=True)  # type: ignore[attr-defined]
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(target, Path(SCREENSHOTS) / name)


def test_patient_reports_on_a_phone_and_nurse_acknowledges(
    browser: object,  # noqa: F811
    engine: Engine,
    live_server: LiveServer,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    with unit_of_work(engine) as session:
        session.add(PatientRow(external_id="PT-A"))
    make_user(engine, "pat-a", [Role.PATIENT], patient="PT-A")
    make_user(engine, "nurse", [Role.NURSE])

    page = live_server.browser_page(browser, "pat-a", viewport=PHONE)
    page.get_by_role("link", name="Report symptoms").click()
    page.get_by_role("link", name="Capecitabine: hand-foot syndrome, diarrhoea, nausea, mouth sores").click()  # fmt: skip
    expect(page.locator(".pro-recall")).to_contain_text("past 7 days")
    severity = page.locator("#f-nausea-severity")
    expect(severity).to_be_hidden()  # skip logic: not asked before nausea is reported
    expect(page.locator("#f-mouth_or_throat_sores-interference")).to_be_hidden()

    # mouse: hand-foot syndrome severe (its label is the target; >= 44 px tall)
    severe = page.locator("#f-hand_foot_syndrome-severity label", has_text="severe").first
    box = severe.bounding_box()
    assert box is not None and box["height"] >= 44
    severe.click()
    # keyboard: Space checks the focused radio, arrow keys move within the group
    page.focus("#f-diarrhea-frequency input[value='0']")
    page.keyboard.press("Space")
    page.focus("#f-nausea-frequency input[value='0']")
    page.keyboard.press("Space")
    expect(severity).to_be_hidden()  # "never": still not asked
    page.keyboard.press("ArrowDown")  # -> "rarely"
    expect(page.locator("#f-nausea-frequency input[value='1']")).to_be_checked()
    expect(severity).to_be_visible()
    severity.get_by_text("mild", exact=True).click()
    page.locator("#f-mouth_or_throat_sores-severity").get_by_text("none", exact=True).click()
    expect(page.locator("#f-mouth_or_throat_sores-interference")).to_be_hidden()
    page.locator("#f-urgent").get_by_text("No", exact=True).click()
    assert page.evaluate(WIDTH) <= 360  # no horizontal scrolling at 360 px
    _shot(page, tmp_path, "pro-survey-360.png")
    page.get_by_role("button", name="Send my report").click()

    expect(page.locator("#done-h")).to_contain_text("your symptom report was received")
    answers = page.locator("#pro-answers tbody")
    expect(answers).to_contain_text("severe (3)")
    expect(answers).to_contain_text("rarely (1)")
    # the patient reads what her care team was told in PRO-CTCAE's words, never rule keys
    told = page.locator("#pro-told")
    expect(told).to_contain_text("Hand-Foot Syndrome (how severe: severe)")
    expect(told).not_to_contain_text("severe-answer")
    expect(told).not_to_contain_text("hand_foot_syndrome")
    assert page.evaluate(WIDTH) <= 360
    _shot(page, tmp_path, "pro-done-360.png")

    nurse = live_server.browser_page(browser, "nurse", viewport=PHONE)
    nurse.get_by_role("link", name="Alerts").click()
    card = nurse.locator("#queue li.alert-card", has_text="Hand-Foot Syndrome")
    expect(card).to_have_count(1)  # one item for the symptom, listing every reason
    expect(card).to_contain_text("severe or frequent answer: severity 'severe' (3 of 4)")
    expect(card).to_contain_text("PRO-CTCAE composite grade: 3 of 3")
    expect(card).not_to_contain_text("severe-answer")  # rule keys only in the detail view
    expect(card).to_contain_text("open")
    assert nurse.evaluate(WIDTH) <= 360
    _shot(nurse, tmp_path, "pro-queue-360.png")
    card.get_by_role("button", name="Acknowledge").click()
    expect(nurse.locator("#queue li.alert-card", has_text="Hand-Foot Syndrome")).to_contain_text(
        "acknowledged"
    )
    with unit_of_work(engine) as session:
        status = session.scalar(select(AlertRow.status).where(AlertRow.rule_id == "severe-answer"))
    assert status == "acknowledged"
