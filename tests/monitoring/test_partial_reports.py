# SPDX-License-Identifier: Apache-2.0
"""A partial report still protects the patient (invariant 8), alerts are grouped per symptom
with every reason, and each audience reads its own words — over real HTTP on both databases."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from oncoboard.governance.vocabulary import Role
from oncoboard.monitoring.models import AlertRow, ProAnswerRow, ProGradeRow
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer, make_user
from tests.monitoring.conftest import pro_counts
from tests.monitoring.test_pages import SURVEY, Login, _patients, csrf, hidden, login  # noqa: F401

API = "/api/v1/patients/PT-A/pro/submissions"


def rows(engine: Engine, model: type) -> list:  # type: ignore[type-arg]
    with unit_of_work(engine) as session:
        found = list(session.scalars(select(model)))
        session.expunge_all()
    return found


def test_web_report_with_blanks_is_stored_warned_and_alerts(
    engine: Engine,
    live_server: LiveServer,
    login: Login,  # noqa: F811
) -> None:
    """Issue #14: very severe hand-foot syndrome with nausea (and more) left blank used to get a
    422 and store nothing: now stored, the blanks marked and named, the alert raised."""
    _patients(engine)
    make_user(engine, "pat-a", [Role.PATIENT], patient="PT-A")
    make_user(engine, "nurse", [Role.NURSE])
    patient = login("pat-a")
    page = patient.get(SURVEY, params={"questionnaire": "capecitabine"}).text
    body = {"questionnaire_id": "capecitabine", "idempotency_key": hidden(page, "idempotency_key"),
            "csrf_token": csrf(page), "hand_foot_syndrome.severity": "4",
            "diarrhea.frequency": "0"}  # fmt: skip
    empty = patient.post(SURVEY, data={k: v for k, v in body.items() if "." not in k})
    assert empty.status_code == 422 and "Nothing was answered yet" in empty.text
    assert pro_counts(engine)["pro_submissions"] == 0

    sent = patient.post(SURVEY, data=body, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    done = patient.get(sent.headers["location"]).text
    blank = done.split('id="pro-blank"')[1].split("</div>")[0]
    assert "You left 2 questions blank" in blank  # nausea "how often", mouth sores severity
    assert "Nausea: How often" in blank and "Mouth or Throat Sores: How severe" in blank
    assert "Not answered" in done
    told = done.split('id="pro-told"')[1].split("</div>")[0]
    assert "Hand-Foot Syndrome (how severe: very severe)" in told
    assert "within 24 hours" in told  # severity 4: high priority, 24 h SLA
    stored = {(r.symptom, r.attribute): r.missing_code for r in rows(engine, ProAnswerRow)}
    graded = {r.symptom: r.grade for r in rows(engine, ProGradeRow)}
    assert stored[("nausea", "frequency")] == "not_answered"
    assert ("nausea", "severity") not in stored  # not asked: its first item was blank
    assert graded == {"hand_foot_syndrome": 3, "diarrhea": 0, "nausea": None,
                      "mouth_or_throat_sores": None}  # fmt: skip
    queue = login("nurse").get("/alerts").text
    assert queue.count('class="alert-card high"') == 1 and "Hand-Foot Syndrome" in queue


def test_api_partial_report_lists_missing_items_and_still_alerts(
    engine: Engine, live_server: LiveServer
) -> None:
    _patients(engine)
    patient = live_server.client(make_user(engine, "pat-a", [Role.PATIENT], patient="PT-A"))
    made = patient.post(API, json={"questionnaire_id": "capecitabine",
                                   "idempotency_key": str(uuid.uuid4()),
                                   "answers": {"hand_foot_syndrome.severity": 4,
                                               "nausea.frequency": 3}})  # fmt: skip
    assert made.status_code == 201, made.text
    out = made.json()
    # nausea "frequently" makes its severity asked; blank -> missing; its grade cannot be computed
    assert out["missing"] == ["diarrhea.frequency", "nausea.severity",
                              "mouth_or_throat_sores.severity"]  # fmt: skip
    assert out["grades"]["nausea"] is None and out["grades"]["hand_foot_syndrome"] == 3
    by_symptom = {a["symptom"]: a for a in out["alerts"]}
    assert set(by_symptom) == {"hand_foot_syndrome", "nausea"}  # the answered severe items alert
    assert by_symptom["nausea"]["patient_summary"] == "Nausea (how often: frequently)"
    nothing = patient.post(API, json={"questionnaire_id": "capecitabine",
                                      "idempotency_key": str(uuid.uuid4()), "answers": {}})  # fmt: skip
    assert nothing.status_code == 422
    assert [p["field"] for p in nothing.json()["problems"]] == ["answers"]
    urgent_only = patient.post(API, json={"questionnaire_id": "capecitabine",
                                          "idempotency_key": str(uuid.uuid4()), "answers": {},
                                          "urgent": True})  # fmt: skip
    assert urgent_only.status_code == 201
    [alert] = urgent_only.json()["alerts"]
    assert (alert["symptom"], alert["priority"]) == ("urgent", "high")


def test_one_report_one_symptom_one_item_listing_every_reason(
    engine: Engine, live_server: LiveServer
) -> None:
    """Severe answer, composite grade, worse than the last report, worse than own best and the
    urgent answer: one queue item for the symptom, with all five reasons (alert fatigue)."""
    _patients(engine)
    patient = live_server.client(make_user(engine, "pat-a", [Role.PATIENT], patient="PT-A"))
    nurse = live_server.client(make_user(engine, "nurse", [Role.NURSE]))
    start = datetime.now(UTC) - timedelta(days=21)
    base = {"hand_foot_syndrome.severity": 1, "diarrhea.frequency": 0, "nausea.frequency": 0,
            "mouth_or_throat_sores.severity": 0}  # fmt: skip
    for week in range(2):  # two mild reports: own best is composite 1
        assert patient.post(API, json={"questionnaire_id": "capecitabine",
                                       "idempotency_key": str(uuid.uuid4()), "answers": base,
                                       "authored_at": (start + timedelta(days=7 * week)).isoformat()},
                            ).status_code == 201  # fmt: skip
    made = patient.post(API, json={"questionnaire_id": "capecitabine",
                                   "idempotency_key": str(uuid.uuid4()), "urgent": True,
                                   "answers": {**base, "hand_foot_syndrome.severity": 4}})  # fmt: skip
    [alert] = made.json()["alerts"]
    assert [r["rule_id"] for r in alert["reasons"]] == [
        "severe-answer", "worsening", "composite-grade", "personal-change", "patient-urgent"]  # fmt: skip
    assert alert["priority"] == "high"
    queue = nurse.get("/api/v1/alerts").json()
    assert queue["total"] == 1
    [row] = rows(engine, AlertRow)
    assert row.trigger_key.endswith(":hand_foot_syndrome")
    recs = nurse.get("/api/v1/patients/PT-A/recommendations").json()
    [rec] = [r["recommendation"] for r in recs if r["recommendation"]["kind"] == "alert"]
    assert len(rec["evidence"]) == 5  # every rule cited once
    assert "hand_foot_syndrome" not in rec["statement"] and "severe-answer" not in rec["statement"]


def test_patient_reads_her_reports_in_her_words_and_no_alert_keys(
    engine: Engine,
    live_server: LiveServer,
    login: Login,  # noqa: F811
) -> None:
    _patients(engine)
    token = make_user(engine, "pat-a", [Role.PATIENT], patient="PT-A")
    patient_api = live_server.client(token)
    patient_api.post(API, json={"questionnaire_id": "capecitabine",
                                "idempotency_key": str(uuid.uuid4()),
                                "answers": {"hand_foot_syndrome.severity": 3,
                                            "diarrhea.frequency": 0, "nausea.frequency": 0,
                                            "mouth_or_throat_sores.severity": 0}})  # fmt: skip
    patient = login("pat-a")
    mine = patient.get("/patients/PT-A/symptoms/reports")
    assert mine.status_code == 200
    assert (
        "Hand-Foot Syndrome (how severe: severe)" in mine.text
        and "sent to your care team" in mine.text
    )
    record = patient.get("/patients/PT-A").text
    for key in ("hand_foot_syndrome", "severe-answer", "default@1", "facts §1.7", "composite="):
        assert key not in mine.text and key not in record, key
    assert 'href="/patients/PT-A/symptoms/reports"' in record
    # staff still see the alert as a recommendation with its evidence
    staff = live_server.client().get("/patients/PT-A").text
    assert "Review the patient&#39;s symptom report" in staff
    assert re.search(r"rule severe-answer v1", staff)
    other = make_user(engine, "pat-b", [Role.PATIENT], patient="PT-B")
    assert live_server.client(other).get("/patients/PT-A/symptoms/reports").status_code == 404
    assert [r.symptom for r in rows(engine, AlertRow)] == ["hand_foot_syndrome"]
