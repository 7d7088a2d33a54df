# SPDX-License-Identifier: Apache-2.0
"""Dose proposals from the patient page over real HTTP: the form, refusals naming fields, rules."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.dosing.models import DoseProposalRow
from oncoboard.errors import PermissionDenied
from oncoboard.governance import gate
from oncoboard.governance.models import RecommendationRow
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.record import service as record_service
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer, make_user
from tests.dosing.test_service import PATIENT, _bundle, _count
from tests.support import import_file

PPE = "Palmar-plantar erythrodysesthesia syndrome"  # CTCAE v5.0 term for hand-foot syndrome
FORM = {"drug": "capecitabine", "indication": "1250", "ae": PPE, "grade": "3"}


def test_form_refusal_names_the_fields_and_stores_nothing(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    import_file(engine, _bundle(tmp_path))
    api = live_server.client()
    page = api.get(f"/patients/{PATIENT}")
    assert 'id="dose-form"' in page.text and "recorded: capecitabine" in page.text
    url = f"/patients/{PATIENT}/dose-proposals"
    # CTCAE v5.0 PPE syndrome has grades 1-3 only; a grade that is not a number is named too
    bad = api.post(url, data={**FORM, "grade": "4"}, follow_redirects=False)
    assert bad.status_code == 422
    assert "<strong>CTCAE grade</strong> (grade): <code>4</code>" in bad.text
    assert 'id="dose-grade" name="grade" required aria-invalid="true"' in bad.text
    assert (
        f'id="dose-ae" name="ae" required list="ctcae-terms" autocomplete="off" maxlength="200" value="{PPE}"'
        in bad.text
    )  # the refused form keeps its values
    unparsed = api.post(url, data={**FORM, "grade": "x", "ae": ""}, follow_redirects=False)
    assert unparsed.status_code == 422
    assert "<strong>CTCAE grade</strong> (grade): <code>x</code> — expected a CTCAE grade 1-4" in (
        unparsed.text
    )
    assert "<strong>Adverse event</strong> (ae) — expected a CTCAE v5.0 term" in unparsed.text
    no_drug = api.post(url, data={**FORM, "drug": "osimertinib", "indication": ""})
    assert no_drug.status_code == 422 and "no recorded treatment with osimertinib" in no_drug.text
    assert _count(engine, DoseProposalRow) == 0 and _count(engine, RecommendationRow) == 0

    made = api.post(url, data=FORM, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith(
        f"/patients/{PATIENT}#rec-"
    )
    assert _count(engine, DoseProposalRow) == 1


def test_only_editors_see_the_form_and_rules_pages(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    import_file(engine, _bundle(tmp_path))
    board = make_user(engine, "board-b", [Role.TUMOR_BOARD])  # may decide, may not edit
    page = live_server.client(board).get(f"/patients/{PATIENT}")
    assert page.status_code == 200 and 'id="dose-form"' not in page.text
    refused = live_server.client(board).post(f"/patients/{PATIENT}/dose-proposals", data=FORM)
    assert refused.status_code == 403 and _count(engine, DoseProposalRow) == 0

    api = live_server.client()
    table = api.get("/dosing/rules/Xeloda")  # brand name → the capecitabine table
    assert table.status_code == 200
    # label §2.3 Table 2 row as transcribed in rules/capecitabine.json (id cape-g3-1st)
    assert "Capecitabine US PI §2.3 Table 2: grade 3, 1st appearance" in table.text
    assert "950 mg/m² twice daily (75%)" in table.text
    assert api.get("/dosing/rules/aspirin").status_code == 404
    listing = api.get("/dosing/rules").text
    assert all(f'href="/dosing/rules/{d}"' in listing for d in ("osimertinib", "sunitinib"))


def test_treatments_needs_a_view_or_edit_proof(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, _bundle(tmp_path))
    clinician = gate.Actor(username="dr-c", display_name="C", roles=frozenset({Role.CLINICIAN}))
    with unit_of_work(engine) as session:
        proofs = {
            action: gate.authorize(
                session,
                actor=clinician,
                action=action,
                purpose=Purpose.TREATMENT,
                obj="treatments",
                patient_id=PATIENT,
            )
            for action in (Action.VIEW_RECORD, Action.EDIT_RECORD, Action.DECIDE)
        }
        for action in (Action.VIEW_RECORD, Action.EDIT_RECORD):
            [line] = record_service.treatments(session=session, access=proofs[action])
            assert getattr(line.fact, "name", None) == "capecitabine"
            assert line.provenance.source_name == "dose.fhir.json"
        with pytest.raises(PermissionDenied, match="not view_record"):
            record_service.treatments(session=session, access=proofs[Action.DECIDE])


def test_form_offers_only_the_current_drugs(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    """A completed capecitabine course and one that ended are not offered; osimertinib is."""
    entries = [{"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "id": PATIENT}}]
    for n, (drug, status, period) in enumerate([
        ("capecitabine", "completed", {"start": "2025-01-01"}),
        ("sunitinib", "active", {"start": "2024-01-01", "end": "2024-06-30"}),
        ("osimertinib", "active", {"start": "2026-09-01"}),
    ]):  # fmt: skip
        entries.append({"fullUrl": f"urn:uuid:m{n}", "resource": {
            "resourceType": "MedicationStatement", "id": f"m{n}", "status": status,
            "medicationCodeableConcept": {"text": drug}, "subject": {"reference": "urn:uuid:p1"},
            "effectivePeriod": period}})  # fmt: skip
    path = tmp_path / "current.fhir.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))
    import_file(engine, path)
    page = live_server.client().get(f"/patients/{PATIENT}").text
    form = page.split('id="dose-form"')[1].split("</form>")[0]
    offered = re.findall(r'<option value="([a-z]+)"[^>]*>\1 \(recorded', form)
    assert offered == ["osimertinib"]
    # the terms the engine answers: every CTCAE v5.0 term (and label events) as suggestions
    assert form.count('<option value="') > 837
