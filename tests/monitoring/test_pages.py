# SPDX-License-Identifier: Apache-2.0
"""Monitoring pages over real HTTP: the survey (gate, skip logic, idempotency), the queue and its
audited actions, the patient status banner, the patient page's symptoms and dose link."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from oncoboard.governance.models import AuditRow
from oncoboard.governance.vocabulary import Action, Role
from oncoboard.monitoring import queue
from oncoboard.monitoring.config import MonitoringConfig, MonitoringSettings
from oncoboard.monitoring.models import AlertEventRow, AlertRow, ProAnswerRow
from oncoboard.record.models import PatientRow
from oncoboard.store.db import unit_of_work
from tests.conftest import TEST_PASSWORD, LiveServer, make_user
from tests.monitoring.conftest import access, pro_counts
from tests.support import import_file

PHONE = "+44 20 7946 0000"
SURVEY = "/patients/PT-A/symptoms/report"
PPE = "Palmar-plantar erythrodysesthesia syndrome"  # CTCAE v5.0 term of hand-foot syndrome
# capecitabine questionnaire: HFS severity 3 (severe) -> severe-answer and composite grade 3
# (severity-only: 3 -> 3, facts §1.2) -> two alerts; nausea never -> severity not asked
FORM = {"hand_foot_syndrome.severity": "3", "diarrhea.frequency": "0",
        "nausea.frequency": "0", "mouth_or_throat_sores.severity": "0", "urgent": "no"}  # fmt: skip


Login = Callable[[str], httpx.Client]


@pytest.fixture
def login(live_server: LiveServer) -> Iterator[Login]:
    """Cookie sessions through the login form, as a browser has them (closed afterwards)."""
    clients: list[httpx.Client] = []

    def open_session(username: str) -> httpx.Client:
        client = httpx.Client(base_url=live_server.url, timeout=30, follow_redirects=True)
        clients.append(client)
        page = client.get("/login")
        form = {"username": username, "password": TEST_PASSWORD, "csrf_token": csrf(page.text)}
        assert client.post("/login", data=form).url.path == "/"
        return client

    yield open_session
    for client in clients:
        client.close()


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, f"no hidden {name}"
    return found.group(1)


def _patients(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session.add_all([PatientRow(external_id="PT-A"), PatientRow(external_id="PT-B")])


def test_survey_is_gated_validated_next_to_fields_and_idempotent(
    engine: Engine, live_server: LiveServer, login: Login
) -> None:
    _patients(engine)
    make_user(engine, "pat-a", [Role.PATIENT], patient="PT-A")
    make_user(engine, "res", [Role.RESEARCHER])
    patient = login("pat-a")
    page = patient.get(SURVEY, params={"questionnaire": "capecitabine"})
    assert page.status_code == 200
    assert "past 7 days" in page.text and "Is this urgent?" in page.text
    assert "<legend>Hand-Foot Syndrome</legend>" in page.text
    # every radio sits inside its label (bound without ids); follow-ons carry their gate
    assert page.text.count('type="radio"') == page.text.count('<label class="pro-opt"><input')
    assert 'id="f-nausea-severity" data-gate="nausea.frequency"' in page.text
    assert patient.get("/patients/PT-B/symptoms/report").status_code == 404
    assert login("res").get(SURVEY).status_code == 403

    body = {**FORM, "questionnaire_id": "capecitabine", "idempotency_key": hidden(page.text, "idempotency_key")}  # fmt: skip
    no_token = patient.post(SURVEY, data=body)
    assert no_token.status_code == 403
    body["csrf_token"] = csrf(page.text)
    # a value the form did not offer (a tampered post) is named next to the field
    wrong = patient.post(SURVEY, data={**body, "nausea.frequency": "7"})
    assert wrong.status_code == 422
    assert 'id="err-nausea-frequency">Choose one of the listed answers.' in wrong.text
    assert 'value="0" checked' in wrong.text  # the refused form keeps the answers
    assert pro_counts(engine)["pro_submissions"] == 0

    # severity sent although nausea was "never" (a browser without JS): not asked, ignored
    sent = patient.post(SURVEY, data={**body, "nausea.severity": "4"}, follow_redirects=False)
    assert sent.status_code == 303
    again = patient.post(SURVEY, data={**body, "nausea.severity": "4"}, follow_redirects=False)
    assert again.headers["location"] == sent.headers["location"]  # double submit: same report
    counts = pro_counts(engine)
    assert counts["pro_submissions"] == 1 and counts["pro_alerts"] == 1
    with unit_of_work(engine) as session:
        items = set(session.scalars(select(ProAnswerRow.item_id)))
        attributes = {(a.symptom, a.attribute) for a in session.scalars(select(ProAnswerRow))}
    assert ("nausea", "severity") not in attributes and len(items) == 4
    done = patient.get(sent.headers["location"])
    assert done.status_code == 200 and "your symptom report was received" in done.text
    assert "severe (3)" in done.text and "Contact your care team now" not in done.text
    # another patient cannot read the confirmation, nor post for PT-A
    make_user(engine, "pat-b", [Role.PATIENT], patient="PT-B")
    other = login("pat-b")
    assert other.get(sent.headers["location"]).status_code == 404


def _submit(server: LiveServer, token: str, answers: dict[str, int], when: datetime) -> None:
    made = server.client(token).post(
        "/api/v1/patients/PT-A/pro/submissions",
        json={
            "questionnaire_id": "capecitabine",
            "idempotency_key": str(uuid.uuid4()),
            "answers": answers,
            "authored_at": when.isoformat(),
        },
    )
    assert made.status_code == 201, made.text


ANSWERS = {"hand_foot_syndrome.severity": 3, "diarrhea.frequency": 0, "nausea.frequency": 0,
           "mouth_or_throat_sores.severity": 0}  # fmt: skip


def test_queue_actions_change_state_are_audited_and_banner_shows(
    engine: Engine, live_server: LiveServer, login: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONCOBOARD_PRO_SITE_PHONE", PHONE)  # read at the app's first use
    _patients(engine)
    token = make_user(engine, "pat-a", [Role.PATIENT], patient="PT-A")
    make_user(engine, "nurse", [Role.NURSE])
    make_user(engine, "res", [Role.RESEARCHER])
    # hand-foot syndrome severe (severe answer + composite 3) and diarrhoea "frequently"
    # (severe answer; frequency-only 3 -> composite 2): one queue item per symptom
    two = {**ANSWERS, "diarrhea.frequency": 3}
    _submit(live_server, token, two, datetime.now(UTC) - timedelta(hours=1))
    assert login("res").get("/alerts").status_code == 403
    assert login("pat-a").get("/alerts").status_code == 403

    nurse = login("nurse")
    page = nurse.get("/alerts")
    assert (
        page.status_code == 200 and '<a href="/alerts" aria-current="page">Alerts</a>' in page.text
    )
    cards = re.findall(r'<li class="alert-card[^"]*" id="alert-([0-9a-f-]+)"', page.text)
    assert len(cards) == 2
    titles = re.findall(r'<h2><a href="/alerts/[^"]+">([^<]+)</a></h2>', page.text)
    assert sorted(titles) == ["Diarrhea", "Hand-Foot Syndrome"]
    assert "severe or frequent answer: severity &#39;severe&#39; (3 of 4)" in page.text
    assert "PRO-CTCAE composite grade: 3 of 3" in page.text
    assert "severe or frequent answer: frequency &#39;frequently&#39; (3 of 4)" in page.text
    assert "severe-answer" not in page.text and "hand_foot_syndrome." not in page.text
    assert re.search(r"\b2 d 2[23] h \d\d min left", page.text)  # normal priority: 72 h SLA
    first, second = cards
    detail = nurse.get(f"/alerts/{first}").text  # keys only in the detail view
    assert "<code>severe-answer</code> v1" in detail and 'id="alert-keys"' in detail
    token_ = csrf(page.text)
    url = f"/alerts/{first}/actions"
    assert nurse.post(url, data={"action": "acknowledge"}).status_code == 403  # no CSRF token
    acked = nurse.post(url, data={"action": "acknowledge", "back": "queue", "csrf_token": token_})
    assert acked.status_code == 200 and acked.url.path == "/alerts"
    no_note = nurse.post(url, data={"action": "call", "csrf_token": token_})
    assert no_note.status_code == 422 and "call needs a note" in no_note.text
    for step in ({"action": "call", "note": "spoke to patient: blisters on both palms"},
                 {"action": "resolve", "outcome": "visit_scheduled"}):  # fmt: skip
        assert nurse.post(url, data={**step, "csrf_token": token_}).status_code == 200
    detail = nurse.get(f"/alerts/{first}")
    assert "blisters on both palms" in detail.text and "visit scheduled" in detail.text
    history = re.findall(r"<tr><td class=\"date\">[^<]+</td><td>([a-z ]+)</td>", detail.text)
    assert history == ["created", "acknowledged", "call logged", "resolved"]
    late = nurse.post(url, data={"action": "note", "note": "x", "csrf_token": token_})
    assert late.status_code == 409
    with unit_of_work(engine) as session:
        alert = session.get(AlertRow, first)
        assert alert is not None and (alert.status, alert.outcome) == (
            "resolved",
            "visit_scheduled",
        )
        events = session.scalar(select(func.count()).where(AlertEventRow.alert_id == first))
        audited = session.scalar(
            select(func.count()).where(
                AuditRow.actor == "nurse",
                AuditRow.action == Action.TRIAGE_ALERTS.value,
                AuditRow.object == f"alert {first}",
                AuditRow.patient == "PT-A",
            )
        )
    assert events == 4 and audited is not None and audited >= 6
    assert first not in nurse.get("/alerts").text
    assert first in nurse.get("/alerts", params={"status": "resolved"}).text

    # escalated and nobody answers within 24 h: the patient is told to call (Moovcare cascade)
    esc = nurse.post(f"/alerts/{second}/actions",
                     data={"action": "escalate", "note": "needs review", "csrf_token": token_})  # fmt: skip
    assert esc.status_code == 200
    patient = login("pat-a")
    assert "Contact your care team now" not in patient.get(SURVEY).text
    config = MonitoringConfig(MonitoringSettings(site_phone=PHONE))
    with unit_of_work(engine) as session:
        sweep = access(session, "nurse", Action.TRIAGE_ALERTS, None)
        report = queue.escalate_overdue(
            session, access=sweep, config=config, now=datetime.now(UTC) + timedelta(hours=25)
        )
    assert report.patients_told == 1
    banner = patient.get(SURVEY).text
    assert 'id="call-now"' in banner and f"Call {PHONE}" in banner
    assert 'href="tel:+442079460000"' in banner


def _record(tmp_path: Path) -> Path:
    """PT-A on capecitabine since 2026-09-01 (FHIR R4 MedicationStatement)."""
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "id": "PT-A"}},
        {"fullUrl": "urn:uuid:m1", "resource": {
            "resourceType": "MedicationStatement", "id": "m1", "status": "active",
            "medicationCodeableConcept": {"text": "capecitabine"},
            "subject": {"reference": "urn:uuid:p1"}, "effectivePeriod": {"start": "2026-09-01"}}},
    ]}  # fmt: skip
    path = tmp_path / "record.fhir.json"
    path.write_text(json.dumps(bundle))
    return path


def test_patient_page_trajectory_and_dose_proposal_from_alert(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    import_file(engine, _record(tmp_path))
    token = make_user(engine, "pat-a", [Role.PATIENT], patient="PT-A")
    mild = {**ANSWERS, "hand_foot_syndrome.severity": 1}
    _submit(live_server, token, mild, datetime(2026, 10, 5, 9, tzinfo=UTC))
    _submit(live_server, token, ANSWERS, datetime(2026, 10, 12, 9, tzinfo=UTC))
    api = live_server.client()  # the test clinician
    page = api.get("/patients/PT-A").text
    # the chart (matplotlib SVG, monitoring/plot.py) with its alt text; its data in the tables
    assert re.search(r'<svg [^>]*id="pro-plot"[^>]*role="img"', page)
    assert '<title id="pro-plot-t">Composite grade over time per symptom</title>' in page
    rows = re.findall(r'<tr><th scope="row" class="date">([\d-]+)</th>(.*?)</tr>', page)
    hfs = page.split('id="pro-grades"')[1].split("</thead>")[0]
    column = re.findall(r'<th scope="col">([^<]+)</th>', hfs).index("Hand-Foot Syndrome") - 1
    grades = [re.findall(r'<td class="n">([^<]*)</td>', cells)[column] for _, cells in rows]
    # severity-only terms: 1 -> 1, 3 -> 3 (facts §1.2 single-item table)
    assert [day for day, _ in rows] == ["2026-10-05", "2026-10-12"] and grades == ["1", "3"]
    assert "capecitabine started" in page  # the treatment line, from the record
    assert 'href="/patients/PT-A/symptoms/report"' in page and 'href="/alerts?patient=PT-A' in page

    alerts = api.get("/alerts", params={"patient": "PT-A"}).text
    ids = re.findall(r'id="alert-([0-9a-f-]+)"', alerts)
    # 2nd report: one item for hand-foot syndrome listing severe answer, composite grade 3 and
    # worsening (1 -> 3 is a rise of 2)
    assert len(ids) == 1
    assert (
        "worse than the last report: severity &#39;mild&#39; → &#39;severe&#39; (1 → 3 of 4, "
        "last report 2026-10-05)" in alerts
    )
    detail = api.get(f"/alerts/{ids[0]}").text
    assert 'id="dose-link"' in detail and "The patient is on capecitabine." in detail
    form = api.get(f"/alerts/{ids[0]}/dose-proposal", params={"drug": "capecitabine"}).text
    assert '<option value="capecitabine" selected>capecitabine (recorded: capecitabine)' in form
    # the alert's adverse event (as its CTCAE term) and its composite grade are preselected,
    # labelled patient-reported for the clinician to confirm
    assert (
        f'name="ae" required list="ctcae-terms" autocomplete="off" maxlength="200" value="{PPE}"'
        in form
    )
    assert '<option value="3" selected>3</option>' in form
    assert "patient-reported PRO-CTCAE composite grade (3 of 3)" in form
    assert 'name="grade_source" value="patient_reported" checked' in form
    made = api.post(
        "/patients/PT-A/dose-proposals",
        data={
            "drug": "capecitabine",
            "ae": PPE,
            "grade": "3",
            "indication": "1250",
            "current_level": "",
            "grade_source": "patient_reported",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    [rec] = [r for r in api.get("/api/v1/patients/PT-A/recommendations").json()
             if r["recommendation"]["kind"] == "dose_change"]  # fmt: skip
    assert "patient-reported" in rec["recommendation"]["basis"][0]["label"]


def test_api_submit_with_a_cookie_session_needs_the_csrf_header(
    engine: Engine, live_server: LiveServer, login: Login
) -> None:
    """The submit route authenticates, stores and commits in one worker hop: the cookie path
    keeps its CSRF check, and a refusal writes nothing."""
    _patients(engine)
    make_user(engine, "pat-a", [Role.PATIENT], patient="PT-A")
    patient = login("pat-a")
    token_ = csrf(patient.get(SURVEY).text)
    url = "/api/v1/patients/PT-A/pro/submissions"
    body = {"questionnaire_id": "capecitabine", "idempotency_key": str(uuid.uuid4()),
            "answers": {k: int(v) for k, v in FORM.items() if k != "urgent"}}  # fmt: skip
    refused = patient.post(url, json=body)
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert pro_counts(engine)["pro_submissions"] == 0
    with unit_of_work(engine) as session:
        outcomes = session.scalars(
            select(AuditRow.outcome).where(AuditRow.object == "PRO submission")
        ).all()
    assert outcomes == []  # the refusal rolled back the whole unit, the gate's entry included
    stored = patient.post(url, json=body, headers={"X-CSRF-Token": token_})
    assert stored.status_code == 201, stored.text
    assert pro_counts(engine)["pro_submissions"] == 1 and pro_counts(engine)["pro_alerts"] == 1
    anonymous = httpx.post(f"{live_server.url}{url}", json=body, timeout=30)
    assert anonymous.status_code == 401
