# SPDX-License-Identifier: Apache-2.0
"""CDS Hooks against a real server on 127.0.0.1: discovery, cards, JWT checks, feedback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from oncoboard.governance.models import AuditRow
from oncoboard.ingest import service as ingest
from oncoboard.ingest.schemas import ImportOptions, SourceFile
from oncoboard.settings import Settings
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer
from tests.ehr.support import FakeEhr, hook_body, medication_request
from tests.pharmacogenomics.vcfs import germline_vcf
from tests.support import import_file

SIGN = "/cds-services/oncoboard-pgx-order-sign"


@pytest.fixture
def ehr() -> FakeEhr:
    return FakeEhr()


@pytest.fixture
def server(engine: Engine, tmp_path: Path, ehr: FakeEhr) -> Iterator[LiveServer]:
    settings = Settings(
        env="test",
        database_url=engine.url.render_as_string(hide_password=False),
        upload_dir=tmp_path / "uploads",
        cds_clients=ehr.client_file(tmp_path),
    )
    vcf = germline_vcf(tmp_path / "germline.vcf", {"DPYD *2A": "0/1"})
    with unit_of_work(engine) as session:
        ingest.import_source(
            session=session,
            source=SourceFile.from_path(vcf),
            options=ImportOptions(patient="PGX-IM"),
            source_format="pgx-vcf",
        )
    with LiveServer(settings, engine) as live:
        yield live


def _call(
    server: LiveServer, ehr: FakeEhr, path: str, body: dict, **token: object
) -> httpx.Response:
    jwt = ehr.token(server.url + path.removesuffix("/feedback"), **token)  # type: ignore[arg-type]
    return httpx.post(
        server.url + path, json=body, headers={"Authorization": f"Bearer {jwt}"}, timeout=30
    )


def test_discovery_lists_hooks_with_prefetch(server: LiveServer) -> None:
    services = httpx.get(server.url + "/cds-services", timeout=10).json()["services"]
    hooks = {s["id"]: s["hook"] for s in services}
    assert hooks == {
        "oncoboard-patient-view": "patient-view",
        "oncoboard-pgx-order-select": "order-select",
        "oncoboard-pgx-order-sign": "order-sign",
    }
    sign = next(s for s in services if s["hook"] == "order-sign")
    assert sign["prefetch"]["patient"] == "Patient/{{context.patientId}}"


def test_dpyd_intermediate_capecitabine_order_gets_the_50_percent_card(
    server: LiveServer, ehr: FakeEhr
) -> None:
    order = medication_request("cape-1", "capecitabine 500 MG Oral Tablet", "194000", 1250)
    response = _call(server, ehr, SIGN, hook_body("order-sign", "PGX-IM", [order]))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert len(cards) == 1
    card = cards[0]
    assert card["indicator"] == "warning"
    assert "50 %" in card["summary"] and "DPYD intermediate metabolizer" in card["summary"]
    assert "29152729" in card["detail"] and "c.1905+1G>A (*2A)" in card["detail"]
    suggestion = card["suggestions"][0]
    proposed = suggestion["actions"][0]["resource"]
    assert suggestion["actions"][0]["type"] == "update"
    assert proposed["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 625
    assert {r["code"] for r in card["overrideReasons"]} >= {"tdm-planned", "urgent-benefit"}
    assert card["links"][0]["type"] == "smart" and "PGX-IM" in card["links"][0]["appContext"]


def test_order_select_only_answers_selected_orders_and_no_rule_means_no_card(
    server: LiveServer, ehr: FakeEhr
) -> None:
    orders = [medication_request("oxa-1", "oxaliplatin 5 MG/ML", "32592", 85)]
    response = _call(
        server,
        ehr,
        "/cds-services/oncoboard-pgx-order-select",
        hook_body("order-select", "PGX-IM", orders),
    )
    assert response.status_code == 200 and response.json() == {"cards": []}


def test_unknown_patient_gets_the_label_testing_card(server: LiveServer, ehr: FakeEhr) -> None:
    order = medication_request("fu-1", "fluorouracil 50 MG/ML Injectable Solution", None, 400)
    cards = _call(server, ehr, SIGN, hook_body("order-sign", "NOT-IN-ONCOBOARD", [order])).json()[
        "cards"
    ]
    assert len(cards) == 1 and "genotype before starting" in cards[0]["summary"]
    assert "not in OncoBoard" in cards[0]["detail"] and cards[0]["suggestions"] == []


def test_invalid_draft_order_is_refused_with_its_location(server: LiveServer, ehr: FakeEhr) -> None:
    order = medication_request("cape-2", "capecitabine", "194000", 1250)
    order["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = "lots"
    response = _call(server, ehr, SIGN, hook_body("order-sign", "PGX-IM", [order]))
    assert response.status_code == 422
    assert "context.draftOrders.entry[0]" in response.text and "doseQuantity" in response.text


@pytest.mark.parametrize(
    "case",
    ["expired", "forged", "issuer", "audience", "none", "missing"],
)
def test_bad_jwts_are_refused(server: LiveServer, ehr: FakeEhr, case: str) -> None:
    body = hook_body(
        "order-sign", "PGX-IM", [medication_request("c", "capecitabine", "194000", 1250)]
    )
    audience = server.url + SIGN
    tokens = {
        "expired": ehr.token(audience, now=1_600_000_000),
        "forged": FakeEhr(kid=ehr.kid).token(audience),
        "issuer": ehr.token(audience, issuer="https://evil.example"),
        "audience": ehr.token("https://other.example/cds-services/x"),
        "none": ehr.token(audience)
        .split(".")[0]
        .replace(ehr.token(audience).split(".")[0], "eyJhbGciOiJub25lIn0")
        + "."
        + ehr.token(audience).split(".")[1]
        + ".",
        "missing": "",
    }
    headers = {"Authorization": f"Bearer {tokens[case]}"} if tokens[case] else {}
    response = httpx.post(server.url + SIGN, json=body, headers=headers, timeout=30)
    assert response.status_code == 401, (case, response.text)
    assert "cards" not in response.text


def test_patient_view_links_to_the_page(server: LiveServer, ehr: FakeEhr) -> None:
    path = "/cds-services/oncoboard-patient-view"
    cards = _call(server, ehr, path, hook_body("patient-view", "PGX-IM")).json()["cards"]
    pgx = [c for c in cards if c["summary"].startswith("Pharmacogenomics: DPYD")]
    assert len(pgx) == 1 and "capecitabine" in pgx[0]["detail"]
    assert pgx[0]["links"][0]["url"].endswith("/smart/launch")


def test_feedback_with_override_reason_is_audited(
    server: LiveServer, ehr: FakeEhr, engine: Engine
) -> None:
    body = {
        "feedback": [
            {
                "card": "abc",
                "outcome": "overridden",
                "overrideReason": {
                    "reason": {"code": "tdm-planned", "system": "x", "display": "TDM"},
                    "userComment": "5-FU levels booked",
                },
                "outcomeTimestamp": "2026-12-06T10:00:00Z",
            }
        ]
    }
    response = _call(server, ehr, SIGN + "/feedback", body)
    assert response.status_code == 200 and response.json() == {"recorded": 1}
    with unit_of_work(engine) as session:
        rows = session.scalars(select(AuditRow).where(AuditRow.action == "cds_feedback")).all()
    assert len(rows) == 1 and "tdm-planned" in (rows[0].reason or "")


def _on_osimertinib_with_decision(server: LiveServer, tmp_path: Path, ae: str, grade: int) -> None:
    """PGX-IM also takes osimertinib; a clinician accepts a label-table proposal for ``ae``."""
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "id": "PGX-IM"}},
        {"fullUrl": "urn:uuid:m1", "resource": {
            "resourceType": "MedicationStatement", "id": "osi", "status": "active",
            "medicationCodeableConcept": {"text": "osimertinib 80 mg"},
            "subject": {"reference": "urn:uuid:p1"}, "effectivePeriod": {"start": "2026-10-01"}}},
    ]}  # fmt: skip
    path = tmp_path / "osi.fhir.json"
    path.write_text(json.dumps(bundle))
    import_file(server.engine, path)
    api = server.client()
    made = api.post(
        "/api/v1/patients/PGX-IM/dose-proposals",
        json={"drug": "osimertinib", "ae": ae, "grade": grade},
    )
    assert made.status_code == 201, made.text
    rec = made.json()["recommendation_id"]
    decided = api.post(f"/api/v1/recommendations/{rec}/decision", json={"outcome": "accept"})
    assert decided.status_code == 201, decided.text


def test_order_ignoring_an_approved_dose_change_gets_the_label_card(
    server: LiveServer, ehr: FakeEhr, tmp_path: Path
) -> None:
    _on_osimertinib_with_decision(server, tmp_path, "QTc prolonged", 3)
    order = medication_request("osi-1", "osimertinib 80 MG Oral Tablet", None, 80, unit="mg")
    [card] = _call(server, ehr, SIGN, hook_body("order-sign", "PGX-IM", [order])).json()["cards"]
    assert card["indicator"] == "warning" and "40 mg once daily" in card["summary"]
    [suggestion] = card["suggestions"]
    resource = suggestion["actions"][0]["resource"]
    assert resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 40
    assert card["overrideReasons"] and "QT" in card["detail"]
    # an order that already has the approved dose gets no card
    right = medication_request("osi-2", "osimertinib 40 MG Oral Tablet", None, 40, unit="mg")
    assert _call(server, ehr, SIGN, hook_body("order-sign", "PGX-IM", [right])).json() == {
        "cards": []
    }


def test_order_for_a_discontinued_drug_is_critical(
    server: LiveServer, ehr: FakeEhr, tmp_path: Path
) -> None:
    _on_osimertinib_with_decision(server, tmp_path, "pneumonitis", 2)
    order = medication_request("osi-3", "Tagrisso 80 mg", None, 80, unit="mg")
    [card] = _call(server, ehr, SIGN, hook_body("order-sign", "PGX-IM", [order])).json()["cards"]
    assert card["indicator"] == "critical" and "discontinued" in card["summary"]
    assert card["suggestions"][0]["actions"][0] == {
        "type": "delete",
        "description": "Remove the draft osimertinib order",
        "resourceId": ["MedicationRequest/osi-3"],
    }


def test_patient_view_flags_a_drug_on_record_without_its_genotype(
    server: LiveServer, ehr: FakeEhr, tmp_path: Path
) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:p2", "resource": {"resourceType": "Patient", "id": "UNTESTED"}},
        {"fullUrl": "urn:uuid:m2", "resource": {
            "resourceType": "MedicationStatement", "id": "cape", "status": "active",
            "medicationCodeableConcept": {"text": "capecitabine 500 mg"},
            "subject": {"reference": "urn:uuid:p2"}}},
    ]}  # fmt: skip
    path = tmp_path / "untested.fhir.json"
    path.write_text(json.dumps(bundle))
    import_file(server.engine, path)
    path_view = "/cds-services/oncoboard-patient-view"
    cards = _call(server, ehr, path_view, hook_body("patient-view", "UNTESTED")).json()["cards"]
    [card] = [c for c in cards if "genotype unknown" in c["summary"]]
    assert card["summary"] == "Capecitabine on record: DPYD genotype unknown"
    assert "test patients for genetic variants of DPYD" in card["detail"]
    assert card["links"][0]["type"] == "smart"
    # the DPYD-tested patient gets no such card
    tested = _call(server, ehr, path_view, hook_body("patient-view", "PGX-IM")).json()["cards"]
    assert not [c for c in tested if "genotype unknown" in c["summary"]]
