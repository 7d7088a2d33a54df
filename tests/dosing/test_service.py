# SPDX-License-Identifier: Apache-2.0
"""Dose proposals end to end on both databases: gate, audit, decision hook, treatment line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from oncoboard.cli.main import app as cli_app
from oncoboard.dosing.models import DoseChangeRow, DoseProposalRow
from oncoboard.governance.models import AuditRow, RecommendationRow
from oncoboard.governance.vocabulary import Role
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer, make_user
from tests.support import import_file

PATIENT = "PT-DOSE"
HFS_G3 = {"drug": "capecitabine", "indication": "1250", "ae": "hand-foot syndrome", "grade": 3}


def _bundle(tmp_path: Path, drug: str = "capecitabine") -> Path:
    """A FHIR R4 collection: one patient on ``drug`` (MedicationStatement, started 2026-09-01)."""
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "id": PATIENT,
                                                "name": [{"text": "Dose Test"}]}},
        {"fullUrl": "urn:uuid:m1", "resource": {
            "resourceType": "MedicationStatement", "id": "m1", "status": "active",
            "medicationCodeableConcept": {"text": drug},
            "subject": {"reference": "urn:uuid:p1"}, "effectivePeriod": {"start": "2026-09-01"}}},
    ]}  # fmt: skip
    path = tmp_path / "dose.fhir.json"
    path.write_text(json.dumps(bundle))
    return path


def _count(engine: Engine, table: type) -> int:
    with unit_of_work(engine) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_grade_3_hfs_on_capecitabine_proposed_approved_and_shown(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    import_file(engine, _bundle(tmp_path))
    api = live_server.client()
    made = api.post(f"/api/v1/patients/{PATIENT}/dose-proposals", json=HFS_G3)
    assert made.status_code == 201, made.text
    proposal = made.json()["proposal"]
    # facts doc §2.1 Table 2: grade 3, 1st appearance → hold until 0-1, resume at 75% (950)
    assert (proposal["action"], proposal["hold_until_grade"]) == ("hold", 1)
    assert proposal["next_dose"] == "950 mg/m² twice daily (75%)"
    assert "Table 2" in proposal["citation"]
    rec_id = made.json()["recommendation_id"]
    # nothing applied yet
    assert _count(engine, DoseChangeRow) == 0
    [stored] = api.get(f"/api/v1/patients/{PATIENT}/recommendations").json()
    rec = stored["recommendation"]
    assert rec["kind"] == "dose_change" and rec["status"] == "proposed"
    assert [b["kind"] for b in rec["basis"]] == ["adverse_event_grade", "treatment"]
    assert "clinician-graded" in rec["basis"][0]["label"]
    assert rec["evidence"][0]["knowledge_version"].startswith("capecitabine-")

    nurse = make_user(engine, "nurse-n", [Role.NURSE])
    refused = live_server.client(nurse).post(
        f"/api/v1/recommendations/{rec_id}/decision", json={"outcome": "accept"}
    )
    assert refused.status_code == 403
    assert _count(engine, DoseChangeRow) == 0

    decided = api.post(f"/api/v1/recommendations/{rec_id}/decision", json={"outcome": "accept"})
    assert decided.status_code == 201, decided.text
    history = api.get(f"/api/v1/patients/{PATIENT}/dose-history").json()
    [change] = history["changes"]
    assert (change["level"], change["treatment"], change["decided_by"]) == (
        -1, "capecitabine", "dr-test")  # fmt: skip
    assert "950 mg/m²" in change["dose"]
    assert history["proposals"][0]["status"] == "accepted"
    page = api.get(f"/patients/{PATIENT}")
    assert "Approved dose changes" in page.text and "950 mg/m² twice daily (75%)" in page.text

    # the 2nd grade-3 HFS counts the approved one: 2nd appearance → 50% (625), from level -1
    second = api.post(f"/api/v1/patients/{PATIENT}/dose-proposals", json=HFS_G3).json()
    assert (second["proposal"]["occurrence"], second["proposal"]["current_level"]) == (2, -1)
    assert second["proposal"]["next_dose"] == "625 mg/m² twice daily (50%)"
    with unit_of_work(engine) as session:
        audited = session.scalars(
            select(AuditRow.object).where(AuditRow.patient == PATIENT, AuditRow.actor == "dr-test")
        ).all()
        denied = session.scalar(
            select(func.count()).where(AuditRow.actor == "nurse-n", AuditRow.outcome == "denied")
        )
    assert "dose proposal capecitabine" in audited and f"recommendation {rec_id}" in audited
    assert denied == 1


def test_pro_derived_grade_is_labelled_patient_reported(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, _bundle(tmp_path))
    make_user(engine, "dr-a", [Role.CLINICIAN])
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli_app, [
        "--database-url", url, "--user", "dr-a", "dose", "propose", PATIENT, "--drug", "Xeloda",
        "--indication", "1250", "--ae", "diarrhoea", "--grade", "2", "--source",
        "patient-reported", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["proposal"]["grade_source"] == "patient_reported"
    with unit_of_work(engine) as session:
        payload = session.scalar(select(RecommendationRow.payload))
    assert payload is not None
    grade = payload["basis"][0]
    assert "patient-reported" in grade["label"] and "not a clinician grade" in grade["match"]
    assert payload["limitations"].startswith("The grade is patient-reported")


def test_reject_applies_nothing_and_modify_records_the_clinicians_dose(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    import_file(engine, _bundle(tmp_path))
    api = live_server.client()
    first = api.post(f"/api/v1/patients/{PATIENT}/dose-proposals", json=HFS_G3).json()
    api.post(f"/api/v1/recommendations/{first['recommendation_id']}/decision",
             json={"outcome": "reject", "reason": "grade not confirmed"})  # fmt: skip
    assert _count(engine, DoseChangeRow) == 0
    second = api.post(f"/api/v1/patients/{PATIENT}/dose-proposals", json=HFS_G3).json()
    assert second["proposal"]["occurrence"] == 1  # a rejected proposal is not an occurrence
    answer = api.post(f"/api/v1/recommendations/{second['recommendation_id']}/decision",
                      json={"outcome": "modify", "reason": "renal function",
                            "modification": "resume at 625 mg/m² twice daily"})  # fmt: skip
    assert answer.status_code == 201
    [change] = api.get(f"/api/v1/patients/{PATIENT}/dose-history").json()["changes"]
    assert (change["outcome"], change["level"]) == ("modify", None)
    assert change["dose"] == "as modified: resume at 625 mg/m² twice daily"
    # the level after a modification is unknown: the next proposal must be told it
    again = api.post(f"/api/v1/patients/{PATIENT}/dose-proposals", json=HFS_G3)
    assert again.status_code == 422 and "current_level" in again.text


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ({**HFS_G3, "grade": 5}, "grade 5 is death"),
        ({**HFS_G3, "drug": "aspirin"}, "no dose-modification table"),
        ({**HFS_G3, "drug": "osimertinib", "indication": None}, "no recorded treatment with"),
    ],
)
def test_refused_proposals_write_nothing(
    engine: Engine, live_server: LiveServer, tmp_path: Path, body: dict[str, object], match: str
) -> None:
    import_file(engine, _bundle(tmp_path))
    answer = live_server.client().post(f"/api/v1/patients/{PATIENT}/dose-proposals", json=body)
    assert answer.status_code == 422 and match in answer.text
    assert _count(engine, DoseProposalRow) == 0 and _count(engine, RecommendationRow) == 0


def test_discontinued_drug_gets_no_more_proposals(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    import_file(engine, _bundle(tmp_path))
    api = live_server.client()
    body = {**HFS_G3, "ae": "Diarrhea", "grade": 4}  # §2.1: G4 1st → discontinue
    made = api.post(f"/api/v1/patients/{PATIENT}/dose-proposals", json=body).json()
    assert made["proposal"]["action"] == "discontinue"
    api.post(f"/api/v1/recommendations/{made['recommendation_id']}/decision",
             json={"outcome": "accept"})  # fmt: skip
    again = api.post(f"/api/v1/patients/{PATIENT}/dose-proposals", json=HFS_G3)
    assert again.status_code == 409 and "discontinued" in again.text


def test_rules_route_and_cli(engine: Engine, live_server: LiveServer) -> None:
    table = live_server.client().get("/api/v1/dosing/rules/Xeloda").json()
    assert table["drug"] == "capecitabine" and table["unconfirmed"]
    names = [d["drug"] for d in live_server.client().get("/api/v1/dosing/rules").json()]
    assert names == ["capecitabine", "osimertinib", "cabozantinib", "sunitinib"]
    url = engine.url.render_as_string(hide_password=False)
    shown = CliRunner().invoke(
        cli_app,
        ["--database-url", url, "--user", "dr-test", "dose", "rules", "sunitinib", "--json"],
    )
    assert shown.exit_code == 0, shown.output
    [sunitinib] = json.loads(shown.output)
    assert "suni-hep-g3-recurrent" in [rule["id"] for rule in sunitinib["rules"]]
