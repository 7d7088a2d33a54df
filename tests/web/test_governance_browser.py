# SPDX-License-Identifier: Apache-2.0
"""Governance in a real browser: log in, decide on a recommendation, be refused after consent
withdrawal, and a patient managing their own consent and seeing who accessed their record."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from oncoboard.governance import decisions, gate
from oncoboard.governance.recommendation import Recommendation
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer, make_user
from tests.governance.test_recommendation import contract
from tests.support import import_file

pytestmark = pytest.mark.browser
HEADER = "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\tTumor_Sample_Barcode\tHGVSp_Short\n"


@pytest.fixture
def cohort(engine: Engine, tmp_path: Path) -> Engine:
    path = tmp_path / "cohort.maf"
    path.write_text(
        HEADER
        + "EGFR\tGRCh38\t7\t55191822\tT\tG\tPT-A\tp.L858R\nKRAS\tGRCh38\t12\t25245350\tC\tT\tPT-B\tp.G12D\n"
    )
    import_file(engine, path)
    admin = gate.Actor(username="site-admin", display_name="Admin", roles=frozenset({Role.ADMIN}))
    with unit_of_work(engine) as session:
        access = gate.authorize(
            session,
            actor=admin,
            action=Action.EDIT_RECORD,
            purpose=Purpose.TREATMENT,
            obj="recommendation",
            patient_id="PT-A",
        )
        decisions.propose(
            session, access=access, recommendation=Recommendation.model_validate(contract())
        )
    return engine


def test_clinician_records_a_decision_with_reason(
    browser: Any, cohort: Engine, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    page = live_server.browser_page(browser, viewport={"width": 1280, "height": 900})
    expect(page.locator("#current-user")).to_contain_text("clinician")
    page.get_by_role("link", name="PT-A").click()
    card = page.locator("#recommendations article")
    expect(card).to_contain_text("Consider osimertinib")
    expect(card).to_contain_text("not AI-generated")
    expect(card.locator(".badge.status-proposed")).to_be_visible()
    expect(card.locator("form.decide")).to_be_hidden()  # the form waits behind its button
    card.locator("summary", has_text="Record a decision").click()
    card.get_by_role("radio", name="Reject").check()
    card.get_by_role(
        "button", name="Record decision"
    ).click()  # no reason: refused, nothing recorded
    expect(page.locator("[role=alert]")).to_contain_text("reason is required to reject")
    page.go_back()
    card = page.locator("#recommendations article")
    if not card.locator("details.behind-button").evaluate("d => d.open"):
        card.locator("summary", has_text="Record a decision").click()
    card.get_by_role("radio", name="Reject").check()
    card.get_by_label("Reason (required to modify or reject)").fill("Patient enrolled in a trial")
    card.get_by_role("button", name="Record decision").click()
    expect(page.locator("#recommendations .decision")).to_contain_text(
        "reject by Dr-Test (dr-test)"
    )
    expect(page.locator("#recommendations .decision")).to_contain_text(
        "Patient enrolled in a trial"
    )
    expect(page.locator("#recommendations form.decide")).to_have_count(
        0
    )  # immutable: no second form


def test_record_is_refused_after_consent_withdrawal(
    browser: Any, cohort: Engine, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    page = live_server.browser_page(browser, viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/patients/PT-A/consent")
    row = page.locator("#consent tbody tr", has_text="treatment")
    row.get_by_placeholder("paper form reference").fill("objection letter 2026/88")
    row.get_by_role("button", name="Withdraw").click()
    expect(page.locator("#consent-history")).to_contain_text(
        "treatment withdrawn by dr-test (objection letter 2026/88)"
    )
    response = page.goto(live_server.url + "/patients/PT-A")
    assert response is not None and response.status == 403
    expect(page.locator("[role=alert]")).to_have_text(
        re.compile(r"consent for treatment was withdrawn on \d{4}-\d{2}-\d{2}")
    )
    page.goto(live_server.url + "/")
    expect(page.locator("#patients tbody tr")).to_have_count(1)
    expect(page.locator("#patients")).to_contain_text("PT-B")


def test_patient_sees_only_own_record_manages_consent_and_sees_accesses(
    browser: Any, cohort: Engine, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    make_user(cohort, "pat-a", [Role.PATIENT], patient="PT-A")
    clinician = live_server.browser_page(browser)
    clinician.goto(live_server.url + "/patients/PT-A")  # an access the patient will see
    page = live_server.browser_page(
        browser, username="pat-a", viewport={"width": 360, "height": 780}
    )
    # a patient's home: no staff table, no API link, no "(patient)" after the name
    expect(page.get_by_role("link", name="My home")).to_be_visible()
    expect(page.locator("#patients")).to_have_count(0)
    expect(page.get_by_role("link", name="API documentation")).to_have_count(0)
    expect(page.locator("#current-user")).not_to_contain_text("(patient)")
    assert page.goto(live_server.url + "/patients/PT-B").status == 404
    page.goto(live_server.url + "/patients/PT-A")  # the staff record sends the patient home
    assert page.url == live_server.url + "/"
    assert page.goto(live_server.url + "/patients/PT-A/report").status == 403
    expect(page.locator("#error-message")).to_contain_text("for your care team")
    page.goto(live_server.url + "/")
    page.locator("#consent-research").get_by_role("button", name="Give consent").click()
    expect(page.locator("#consent-changed")).to_be_visible()
    expect(page.locator("#consent-research .consent-state")).to_have_text("yes")
    page.locator("#consent-history summary").click()
    expect(page.locator("#consent-history")).to_contain_text("Research given (by you)")
    expect(page.locator("#access-list")).to_contain_text("dr-test (clinician): view record")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert overflow is False
