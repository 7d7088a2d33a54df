# SPDX-License-Identifier: Apache-2.0
"""Real HTTP: idempotent submit, the gate per role, the queue and its actions."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine

from oncoboard.governance.vocabulary import Role
from oncoboard.record.models import PatientRow
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer, make_user
from tests.monitoring.conftest import pro_counts

ANSWERS = {"hand_foot_syndrome.severity": 3, "diarrhea.frequency": 0, "nausea.frequency": 2,
           "nausea.severity": 1, "mouth_or_throat_sores.severity": 0}  # fmt: skip


def test_idempotent_submit_over_http(engine: Engine, live_server: LiveServer) -> None:
    with unit_of_work(engine) as session:
        session.add_all([PatientRow(external_id="PT-A"), PatientRow(external_id="PT-B")])
    patient = live_server.client(make_user(engine, "pat-a", [Role.PATIENT], patient="PT-A"))
    body = {"questionnaire_id": "capecitabine", "idempotency_key": str(uuid.uuid4()),
            "answers": ANSWERS, "urgent": False}  # fmt: skip
    url = "/api/v1/patients/PT-A/pro/submissions"
    first = patient.post(url, json=body)
    assert first.status_code == 201, first.text
    retry = patient.post(url, json=body)
    assert retry.status_code == 200 and retry.json()["replayed"] is True
    assert retry.json()["submission_id"] == first.json()["submission_id"]
    assert pro_counts(engine)["pro_submissions"] == 1
    assert pro_counts(engine)["pro_alerts"] == 1  # one item: hand-foot syndrome, two reasons
    [alert] = first.json()["alerts"]
    assert [r["rule_id"] for r in alert["reasons"]] == ["severe-answer", "composite-grade"]
    assert alert["patient_summary"] == "Hand-Foot Syndrome (how severe: severe)"
    assert retry.json()["alerts"] == first.json()["alerts"]  # a replay answers the same, words too
    clash = patient.post(
        url, json={**body, "answers": {**ANSWERS, "hand_foot_syndrome.severity": 2}}
    )
    assert clash.status_code == 409
    other = patient.post(
        "/api/v1/patients/PT-B/pro/submissions", json={**body, "idempotency_key": "x"}
    )
    assert other.status_code == 404
    bad = patient.post(
        url, json={**body, "idempotency_key": "y", "answers": {**ANSWERS, "nausea.severity": 9}}
    )
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["field"] == "nausea.severity"
    assert patient.get("/api/v1/alerts").status_code == 403

    nurse = live_server.client(make_user(engine, "nurse", [Role.NURSE]))
    queue = nurse.get("/api/v1/alerts")
    assert queue.status_code == 200 and queue.json()["total"] == 1
    alert_id = queue.json()["items"][0]["alert_id"]
    acted = nurse.post(
        f"/api/v1/alerts/{alert_id}/actions", json={"action": "call", "note": "called"}
    )
    assert acted.status_code == 200 and acted.json()["events"][-1]["kind"] == "call_logged"
    assert (
        nurse.post(f"/api/v1/alerts/{alert_id}/actions", json={"action": "resolve"}).status_code
        == 422
    )
    researcher = live_server.client(make_user(engine, "res", [Role.RESEARCHER]))
    assert researcher.get("/api/v1/alerts").status_code == 403
    assert researcher.get(f"/api/v1/alerts/{alert_id}").status_code == 403
    history = patient.get("/api/v1/patients/PT-A/pro/trajectory").json()
    hfs = next(s for s in history["symptoms"] if s["symptom"] == "hand_foot_syndrome")
    assert [p["grade"] for p in hfs["points"]] == [3]  # severity-only: 3 -> 3 (Basch 2021)
    assert patient.get("/api/v1/patients/PT-A/pro/status").json()["contact_care_team_now"] is False
    forms = patient.get("/api/v1/pro/questionnaires").json()["items"]
    assert {q["id"] for q in forms} == {"star-common", "capecitabine"}
