# SPDX-License-Identifier: Apache-2.0
"""The models API on a live server, on SQLite and PostgreSQL: who may do what (anonymous,
patient, researcher, clinician, quality officer), bad values with located answers, audited
refusals, and a patient's prediction added to the record for a clinician's decision."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from sqlalchemy import Engine, func, select

from oncoboard.governance import gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.models import AuditRow
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.prediction import service
from oncoboard.prediction.schemas import TrainingSpec
from oncoboard.record.models import PatientRow
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer, make_user
from tests.support import import_file, shared_file

JENNY = ("interop", "fhir-mcode", "examples", "Bundle-mcode-patient-bundle-jenny-m.json")
RESEARCHER = Actor("res", "Researcher", frozenset({Role.RESEARCHER}))
COLUMNS = "age_years,tumour_size_mm,grade,positive_nodes,er_positive,pr_positive"


def _spec() -> TrainingSpec:
    text = resources.files("oncoboard.prediction.specs").joinpath("seer-breast-os-cox.json")
    return TrainingSpec.model_validate(json.loads(text.read_text()))


def _train(engine: Engine) -> str:
    """A candidate of the shipped Cox spec (trained once per process, stored per test)."""
    with unit_of_work(engine) as session:
        access = gate.authorize(session, actor=RESEARCHER, action=Action.TRAIN_MODELS,
                                purpose=Purpose.OPERATIONS, obj="test")  # fmt: skip
        return service.train_model(session, access=access, spec=_spec()).id


def _denials(engine: Engine, actor: str, action: str) -> int:
    with unit_of_work(engine) as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    AuditRow.actor == actor, AuditRow.action == action, AuditRow.outcome == "denied"
                )
            )
            or 0
        )


def test_registry_promotion_and_drift_through_the_api(
    engine: Engine, live_server: LiveServer
) -> None:
    model = _train(engine)
    with unit_of_work(engine) as session:
        session.add(PatientRow(external_id="PT-X"))
    quality = live_server.client(make_user(engine, "qo", [Role.QUALITY_OFFICER]))
    researcher = live_server.client(make_user(engine, "res", [Role.RESEARCHER]))
    patient = live_server.client(make_user(engine, "pat", [Role.PATIENT], patient="PT-X"))
    clinician = live_server.client()

    assert live_server.client("wrong").get("/api/v1/models").status_code == 401
    refused = patient.get("/api/v1/models")
    assert refused.status_code == 403 and "may not review_models" in refused.json()["detail"]
    [listed] = researcher.get("/api/v1/models").json()
    assert listed["id"] == model and listed["status"] == "candidate"
    missing = clinician.get("/api/v1/models/nope@1")
    assert missing.status_code == 404 and model in missing.json()["detail"]

    # the card in three formats; a format that does not exist is a located 422
    card = clinician.get(f"/api/v1/models/{model}/card").json()
    assert {"intended_use", "training_data", "metrics", "change_control_plan",
            "version_history", "caveats", "ethical_considerations"} <= set(card)  # fmt: skip
    html = clinician.get(f"/api/v1/models/{model}/card", params={"format": "html"}).text
    assert html.count("<svg") == 2 and " style=" not in html and "<script" not in html
    pdf = clinician.get(f"/api/v1/models/{model}/card", params={"format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    bad = clinician.get(f"/api/v1/models/{model}/card", params={"format": "docx"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "format"

    # promotion: the quality officer only, with a reason; refusals are audited
    assert researcher.post(f"/api/v1/models/{model}/promote",
                           json={"reason": "looks fine to me"}).status_code == 403  # fmt: skip
    assert _denials(engine, "res", "promote_models") == 1
    short = quality.post(f"/api/v1/models/{model}/promote", json={"reason": "ok"})
    assert short.status_code == 422 and short.json()["problems"][0]["field"] == "reason"
    released = quality.post(f"/api/v1/models/{model}/promote",
                            json={"reason": "card, plan and subgroups reviewed"})  # fmt: skip
    assert released.status_code == 200 and released.json()["status"] == "released"
    again = quality.post(f"/api/v1/models/{model}/promote",
                         json={"reason": "card, plan and subgroups reviewed"})  # fmt: skip
    assert again.status_code == 409 and "already the released version" in again.json()["detail"]

    # evaluation: stored hold-out without a body; a bad CSV names line and field
    holdout = researcher.post(f"/api/v1/models/{model}/evaluate").json()
    assert holdout["data"] == "sequestered hold-out (stored)"
    assert holdout["metrics"]["harrell_c"] == listed["holdout_c"]
    bad_csv = f"{COLUMNS},time_years,event\n50,20,2,3,1,1,4.5,yes\n".encode()
    wrong = researcher.post(f"/api/v1/models/{model}/evaluate", content=bad_csv,
                            headers={"content-type": "text/csv"})  # fmt: skip
    assert wrong.status_code == 422
    [problem] = wrong.json()["problems"]
    assert (problem["locator"], problem["field"], problem["value"]) == ("line 2", "event", "yes")

    # drift: a shifted population raises alerts into the quality officer's queue
    rows = [COLUMNS] + [f"{80 + i % 9},{60 + i % 40},3,{10 + i % 5},0,0" for i in range(200)]
    empty = researcher.post(f"/api/v1/models/{model}/drift")
    assert empty.status_code == 422 and "CSV request body" in empty.json()["detail"]
    drift = researcher.post(f"/api/v1/models/{model}/drift", content="\n".join(rows).encode(),
                            headers={"content-type": "text/csv"})  # fmt: skip
    assert drift.status_code == 201
    levels = {f["feature"]: f["level"] for f in drift.json()["features"]}
    assert levels["age_years"] == "alert" and levels["grade"] == "alert"
    assert clinician.get(f"/api/v1/models/{model}/drift").json()["id"] == drift.json()["id"]
    queue = quality.get("/api/v1/models/alerts").json()
    assert any("feature age_years: PSI" in a["message"] for a in queue)
    first = queue[0]["id"]
    assert researcher.post(f"/api/v1/models/alerts/{first}/acknowledge").status_code == 403
    done = quality.post(f"/api/v1/models/alerts/{first}/acknowledge").json()
    assert done["status"] == "acknowledged" and done["acknowledged_by"] == "qo"
    assert quality.post(f"/api/v1/models/alerts/{first}/acknowledge").status_code == 409
    assert quality.post("/api/v1/models/alerts/999999/acknowledge").status_code == 404
    typo = quality.post("/api/v1/models/alerts/1x/acknowledge")
    assert typo.status_code == 422 and "model alert id '1x'" in typo.json()["detail"]


def test_training_through_the_api_refuses_leakage_and_unknown_specs(
    engine: Engine, live_server: LiveServer
) -> None:
    researcher = live_server.client(make_user(engine, "res", [Role.RESEARCHER]))
    clinician = live_server.client()
    spec = _spec().model_dump(mode="json")
    assert clinician.post("/api/v1/models", json={"spec": spec}).status_code == 403
    leaky = {**spec, "features": ["age_years", "survival_months"]}
    refused = researcher.post("/api/v1/models", json={"spec": leaky})
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["value"].startswith("survival_months")
    unknown = researcher.post("/api/v1/models", json={"spec": "seer-breast-os-typo"})
    assert unknown.status_code == 404 and "seer-breast-os-cox" in unknown.json()["detail"]
    with unit_of_work(engine) as session:
        assert session.scalars(select(service.ModelVersionRow)).all() == []


@pytest.mark.shared
def test_a_patients_prediction_through_the_api(engine: Engine, live_server: LiveServer) -> None:
    patient_id = import_file(engine, shared_file(*JENNY), genome_build="GRCh37").patients[0]
    url = f"/api/v1/patients/{patient_id}/prediction"
    clinician = live_server.client()
    none_yet = clinician.get(url).json()
    assert none_yet["status"] == "no_model" and "quality officer" in none_yet["reasons"][0]

    model = _train(engine)
    quality = live_server.client(make_user(engine, "qo", [Role.QUALITY_OFFICER]))
    quality.post(f"/api/v1/models/{model}/promote", json={"reason": "initial release, reviewed"})
    answer = clinician.get(url).json()
    assert answer["status"] == "predicted" and answer["model_id"] == model
    survival = answer["prediction"]["survival"]
    assert 0 < survival["low"] <= survival["value"] <= survival["high"] < 1
    rec = answer["recommendation"]
    assert rec["ai_generated"] and rec["kind"] == "prediction" and rec["status"] == "proposed"
    assert answer["stored_recommendation_id"] is None  # asking stores nothing
    assert clinician.get(f"/api/v1/patients/{patient_id}/recommendations").json() == []

    # who may ask: not anonymous, not the patient (even for her own record), not a nurse
    assert live_server.client("wrong").get(url).status_code == 401
    own = live_server.client(make_user(engine, "jenny", [Role.PATIENT], patient=patient_id))
    assert own.get(url).status_code == 403 and _denials(engine, "jenny", "predict") == 1
    nurse = live_server.client(make_user(engine, "nurse", [Role.NURSE]))
    assert nurse.post(url).status_code == 403
    assert clinician.get("/api/v1/patients/no-such-patient/prediction").status_code == 404

    # added for review: a proposed recommendation a clinician then decides on
    stored = clinician.post(url)
    assert stored.status_code == 201
    rec_id = stored.json()["stored_recommendation_id"]
    [listed] = clinician.get(f"/api/v1/patients/{patient_id}/recommendations").json()
    assert listed["recommendation"]["id"] == rec_id and listed["decision"] is None
    decided = clinician.post(f"/api/v1/recommendations/{rec_id}/decision",
                             json={"outcome": "accept"})  # fmt: skip
    assert decided.status_code == 201 and decided.json()["decided_by"] == "dr-test"

    # consent for treatment withdrawn: the model is not asked (audited refusal)
    withdrawn = clinician.post(f"/api/v1/patients/{patient_id}/consent",
                               json={"purpose": "treatment", "status": "withdrawn",
                                     "source": "letter 7"})  # fmt: skip
    assert withdrawn.status_code in (200, 201)
    refused = clinician.get(url)
    assert refused.status_code == 403 and "consent for treatment was withdrawn" in refused.text
    with unit_of_work(engine) as session:
        predicted = session.scalars(
            select(AuditRow.outcome)
            .where(AuditRow.action == "predict", AuditRow.patient == patient_id)
            .order_by(AuditRow.id)
        ).all()
    assert predicted[-1] == "denied" and "allowed" in predicted


@pytest.mark.shared
def test_a_patient_outside_the_intended_use_gets_reasons_not_a_number(
    engine: Engine, live_server: LiveServer
) -> None:
    # the mCODE lung-cancer condition example: a patient the breast model must not judge
    path = shared_file("interop", "fhir-mcode", "examples",
                       "Condition-primary-cancer-condition-nsclc.json")  # fmt: skip
    report = import_file(engine, path)
    patient_id = report.patients[0]
    model = _train(engine)
    quality = live_server.client(make_user(engine, "qo", [Role.QUALITY_OFFICER]))
    quality.post(f"/api/v1/models/{model}/promote", json={"reason": "initial release, reviewed"})
    clinician = live_server.client()
    answer = clinician.get(f"/api/v1/patients/{patient_id}/prediction").json()
    assert answer["status"] == "not_applicable" and answer["prediction"] is None
    assert "not breast cancer" in answer["reasons"][0]
    refused = clinician.post(f"/api/v1/patients/{patient_id}/prediction")
    assert refused.status_code == 409 and "no prediction to add" in refused.json()["detail"]
