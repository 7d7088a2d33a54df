# SPDX-License-Identifier: Apache-2.0
"""Everyday use in Chromium: each role's landing page after the login form, the patient's home on
a 390×844 phone, the clinician's first screen (screenshots), the API docs with no network."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = os.environ.get("ONCOBOARD_SCREENSHOTS")  # set to keep the screenshots somewhere
NO_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _login(browser: Any, server: LiveServer, username: str, viewport: dict[str, int]) -> Any:
    """Log in through the form as a demo user; the page is where login lands."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("#username", username)
    page.fill("#password", "oncoboard-demo")
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(server.url + LANDING_PATH.get(username, "/"))
    return page


def _shot(page: Any, tmp_path: Path, name: str, full: bool = True) -> Path:
    target = tmp_path / name
    page.screenshot(path=str(target), full_page=full)
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(target, Path(SCREENSHOTS) / name)
    return target


LANDING_PATH = {"celltherapy": "/celltherapy"}  # home sends the coordinator to her work
LANDING = {
    "oncologist": ("#patients", "Patients"),
    "board": ("#patients", "Patients"),
    "nurse": ("#patients", "Patients"),
    "celltherapy": ("#ct-cases", "Cell therapy"),
    "admin": ("#patients", "Patients"),
    "researcher": ("#start-pages", "Start"),
    "quality": ("#start-pages", "Start"),
    "ana": ("#my-reports", "Hello Ana"),
}


def test_each_role_lands_on_a_page_it_may_use(
    browser: Any, demo_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    for username, (marker, heading) in LANDING.items():
        viewport = PHONE if username == "ana" else DESKTOP
        page = _login(browser, demo_server, username, viewport)
        expect(page.locator("h1")).to_contain_text(heading)
        expect(page.locator(marker)).to_be_visible()
        expect(page.locator("#error-h")).to_have_count(0)
        assert page.evaluate(NO_SCROLL) or username != "ana"
        _shot(page, tmp_path, f"landing-{username}.png")
        # every menu entry opens a page, not a refusal
        for href in [a.get_attribute("href") for a in page.locator("nav[aria-label=Main] a").all()]:
            answer = page.goto(demo_server.url + str(href))
            assert answer is not None and answer.status == 200, (username, href)
            expect(page.locator("#error-h")).to_have_count(0)
        page.context.close()


def test_patient_phone_home_fits_and_works(
    browser: Any, demo_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = _login(browser, demo_server, "ana", PHONE)
    assert page.evaluate(NO_SCROLL), "horizontal scroll on the patient's home at 390 px"
    expect(page.locator("#current-user")).to_have_text("Ana Rivera")
    expect(page.get_by_role("link", name="API documentation")).to_have_count(0)
    expect(page.locator("table")).to_have_count(0)  # no staff tables
    for part in ("#report", "#care-team", "#documents", "#consent", "#access"):
        box = page.locator(part).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(page.locator("#my-reports li")).to_have_count(3)
    expect(page.locator("#my-reports")).to_contain_text("Your care team was alerted")
    button = page.locator("#report-symptoms").bounding_box()
    assert button is not None and button["height"] >= 44  # thumb-sized
    _shot(page, tmp_path, "patient-home-390.png")

    page.locator("#consent-model_training").get_by_role("button", name="Give consent").click()
    expect(page.locator("#consent-changed")).to_be_visible()
    expect(page.locator("#consent-model_training .consent-state")).to_have_text("yes")
    page.locator("#consent-model_training").get_by_role("button", name="Withdraw").click()
    expect(page.locator("#consent-model_training .consent-state")).to_have_text("no")
    page.locator("#consent-history summary").click()
    expect(page.locator("#consent-history li")).to_have_count(2)
    expect(page.locator("#consent-history")).to_contain_text("Training prediction models withdrawn")
    assert page.evaluate(NO_SCROLL)

    page.locator("#report-symptoms").click()
    expect(page.locator("#survey")).to_be_visible()
    assert page.evaluate(NO_SCROLL)
    page.context.close()


def test_clinician_first_screen_summary_and_one_click_review(
    browser: Any, demo_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = _login(browser, demo_server, "oncologist", DESKTOP)
    page.goto(demo_server.url + "/patients/demo-002")
    summary = page.locator("#first-screen")
    expect(summary).to_be_visible()
    box = summary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= DESKTOP["height"]  # one screen
    expect(page.locator("#fs-diagnosis")).to_contain_text("Non-small cell lung cancer")
    expect(page.locator("#fs-stage")).to_have_text("Stage IVA · OncoTree LUAD")
    expect(page.locator("#fs-ecog")).to_contain_text("ECOG 0")
    expect(page.locator("#fs-treatment")).to_contain_text("osimertinib")
    # the demo's CC0 release tiers EGFR p.L858R; osimertinib, on which the tumour progressed, is not
    # offered as an option but named among those the whole tumour rules out
    expect(page.locator("#fs-alterations li").first).to_contain_text("EGFR p.L858R")
    expect(page.locator("#fs-not-options")).to_contain_text("Osimertinib")
    # no decision form is open before the diagnoses: each sits behind its button
    expect(page.locator("form.decide")).to_be_hidden()
    _shot(page, tmp_path, "clinician-first-screen-1280.png", full=False)
    page.locator("#fs-recommendations a.review").first.click()
    expect(page.locator("form.decide").first).to_be_visible()  # one click: the form is open
    page.locator("form.decide input[value=accept]").first.check()
    page.locator("form.decide button[type=submit]").first.click()
    expect(page.locator("#fs-recommendations")).to_have_text("No recommendation awaits a decision.")
    page.set_viewport_size(PHONE)
    page.goto(demo_server.url + "/patients/demo-001")
    assert page.evaluate(NO_SCROLL)
    expect(page.locator("#fs-alerts li").first).to_be_visible()
    _shot(page, tmp_path, "clinician-first-screen-390.png", full=False)
    page.context.close()


def test_api_docs_render_with_the_network_cut_off(browser: Any, demo_server: LiveServer) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport=DESKTOP)
    outside: list[str] = []

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(demo_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_server)
    page = context.new_page()
    page.goto(demo_server.url + "/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    assert page.locator(".opblock").count() > 30
    page.goto(demo_server.url + "/api/v1/redoc")
    expect(
        page.get_by_text("List patients, optionally filtered by id or name.").first
    ).to_be_attached(timeout=30_000)
    assert outside == []
    context.close()
