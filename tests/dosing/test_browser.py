# SPDX-License-Identifier: Apache-2.0
"""Issue #6 in a real browser: grade-3 hand-foot syndrome on capecitabine → cited proposal →
a clinician accepts → the approved dose is on the treatment line; a nurse cannot decide."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from oncoboard.dosing.models import DoseChangeRow, DoseProposalRow
from oncoboard.governance.vocabulary import Role
from tests.conftest import LiveServer, make_user
from tests.dosing.test_service import PATIENT, _bundle, _count
from tests.support import import_file

pytestmark = pytest.mark.browser
PPE = "Palmar-plantar erythrodysesthesia syndrome"  # CTCAE v5.0 term for hand-foot syndrome


def _propose(page: Any, *, grade: str, source: str = "Clinician (CTCAE)") -> None:
    toggle = page.locator("#dose-propose-toggle")  # on the patient page the form is behind a button
    if toggle.count() and not toggle.evaluate("d => d.open"):
        toggle.locator("summary").click()
    form = page.locator("#dose-form")
    form.get_by_label("Drug").select_option("capecitabine")
    form.get_by_label("Dose levels (starting dose)").select_option("1250")
    form.get_by_label("Adverse event (CTCAE v5.0)").fill(PPE)
    form.get_by_label("CTCAE grade").select_option(grade)
    form.get_by_label(source).check()
    form.get_by_role("button", name="Propose dose change").click()


def test_clinician_proposes_and_accepts_grade_3_hfs(
    browser: Any, engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    import_file(engine, _bundle(tmp_path))
    page = live_server.browser_page(browser, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/patients/{PATIENT}")
    expect(page.locator("#recommendations article")).to_have_count(0)
    _propose(page, grade="4")  # CTCAE v5.0 defines PPE grades 1-3 only: refused, named
    expect(page.locator("[role=alert]")).to_contain_text("CTCAE grade (grade): 4")
    assert _count(engine, DoseProposalRow) == 0
    _propose(page, grade="3")  # again, from the form on the refused page

    page.wait_for_url(re.compile(rf"/patients/{PATIENT}#rec-"))
    card = page.locator("#recommendations article")
    expect(card).to_have_count(1)
    # Capecitabine label §2.3 Table 2: grade 3, 1st appearance → interrupt until grade 0-1,
    # resume at 75% (950 mg/m² twice daily, the label's own rounding of 75% of 1250)
    expect(card.locator("header")).to_contain_text(
        f"capecitabine: {PPE} grade 3, occurrence 1 — hold until grade ≤1, "
        "then resume at 950 mg/m² twice daily (75%)"
    )
    expect(card).to_contain_text("Capecitabine US PI §2.3 Table 2: grade 3, 1st appearance")
    expect(card).to_contain_text("clinician-graded")
    expect(card).to_contain_text("a pharmacist must verify every row")
    expect(card.locator(".badge.status-proposed")).to_be_visible()
    expect(page.locator("#dose-changes")).to_have_count(0)  # nothing applied before a decision

    # the form carries the CSRF token: the same POST from this session without it is refused
    refused = page.request.post(
        f"{live_server.url}/patients/{PATIENT}/dose-proposals",
        form={"drug": "capecitabine", "ae": PPE, "grade": "3", "indication": "1250"},
    )
    assert refused.status == 403 and _count(engine, DoseProposalRow) == 1

    card.get_by_role("radio", name="Accept").check()
    card.get_by_role("button", name="Record decision").click()
    expect(page.locator("#recommendations .decision")).to_contain_text("accept by Dr-Test")
    line = page.locator("#treatments #dose-changes tbody tr")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("hold until grade ≤1, then 950 mg/m² twice daily (75%)")
    expect(line).to_contain_text(f"{PPE} grade 3")
    expect(line).to_contain_text("accepted by dr-test")
    assert _count(engine, DoseChangeRow) == 1
    page.close()


def test_nurse_proposes_a_patient_reported_grade_but_cannot_decide(
    browser: Any, engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    import_file(engine, _bundle(tmp_path))
    make_user(engine, "nurse-n", [Role.NURSE])
    page = live_server.browser_page(browser, username="nurse-n")
    page.goto(f"{live_server.url}/patients/{PATIENT}")
    _propose(page, grade="2", source="Patient-reported (PRO-CTCAE derived)")
    card = page.locator("#recommendations article")
    # Table 2: grade 2, 1st appearance → interrupt until grade 0-1, resume at 100%
    expect(card.locator("header")).to_contain_text(
        f"{PPE} grade 2 (patient-reported), occurrence 1 — hold until grade ≤1, "
        "then resume at 1250 mg/m² twice daily (100%)"
    )
    expect(card).to_contain_text("patient-reported (PRO-CTCAE derived)")
    expect(card).to_contain_text("a clinician must grade the adverse event")
    expect(card.get_by_role("radio", name="Accept")).to_have_count(0)
    expect(card).to_contain_text("Awaiting a clinician's decision")

    # posting the decision anyway, with this session's CSRF token, is refused by the gate
    token = page.locator("#dose-form input[name=csrf_token]").get_attribute("value")
    rec_id = (card.get_attribute("id") or "").removeprefix("rec-")
    answer = page.request.post(
        f"{live_server.url}/recommendations/{rec_id}/decision",
        form={"csrf_token": token or "", "outcome": "accept"},
    )
    assert answer.status == 403 and _count(engine, DoseChangeRow) == 0
    page.close()


def test_dose_proposal_from_a_symptom_alert_preselects_ae_and_grade(
    browser: Any, engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    """Issue #14: from an alert, the form offers only the patient's current drugs and
    preselects the alert's CTCAE term and its (patient-reported) composite grade."""
    from playwright.sync_api import expect

    import_file(engine, _bundle(tmp_path))
    token = make_user(engine, "pat-d", [Role.PATIENT], patient=PATIENT)
    sent = live_server.client(token).post(
        f"/api/v1/patients/{PATIENT}/pro/submissions",
        json={"questionnaire_id": "capecitabine", "idempotency_key": "browser-1",
              "answers": {"hand_foot_syndrome.severity": 3, "diarrhea.frequency": 0,
                          "nausea.frequency": 0, "mouth_or_throat_sores.severity": 0}},
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    [alert] = sent.json()["alerts"]
    page = live_server.browser_page(browser, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/alerts/{alert['alert_id']}")
    page.get_by_role("link", name="Propose a dose change").click()
    form = page.locator("#pro-dose-form")
    expect(form.get_by_label("Adverse event (CTCAE v5.0)")).to_have_value(PPE)
    expect(form.get_by_label("CTCAE grade")).to_have_value("3")  # composite grade 3 of 3
    expect(form.get_by_label("Patient-reported (PRO-CTCAE derived)")).to_be_checked()
    expect(form.locator("#pd-drug option")).to_have_count(1)
    form.get_by_label("Dose levels (starting dose)").select_option("1250")
    form.get_by_role("button", name="Propose dose change").click()
    page.wait_for_url(re.compile(rf"/patients/{PATIENT}#rec-"))
    card = page.locator("#recommendations article", has_text=f"capecitabine: {PPE}")
    expect(card).to_contain_text("grade 3 (patient-reported)")
    expect(card).to_contain_text("a clinician must grade the adverse event")
    assert _count(engine, DoseProposalRow) == 1
