# SPDX-License-Identifier: Apache-2.0
"""FHIR facts trial eligibility reads: ruled-out conditions, measurements, statuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from oncoboard.record.schemas import CancerCondition, ClinicalFinding, LabResult
from tests.support import import_file, read_file, row_counts

PATIENTS = Path(__file__).parents[2] / "benchmarks" / "data" / "trial_eligibility" / "patients"
LOINC = "http://loinc.org"
_SUBJECT = {"reference": "Patient/p1"}


def _bundle(tmp_path: Path, *resources: dict[str, Any]) -> Path:
    entries = [{"fullUrl": "http://x.org/fhir/Patient/p1",
                "resource": {"resourceType": "Patient", "id": "p1", "gender": "male"}}]  # fmt: skip
    for n, resource in enumerate(resources):
        resource = {"id": f"r{n}", "subject": _SUBJECT, **resource}
        entries.append({"fullUrl": f"http://x.org/fhir/{resource['resourceType']}/r{n}",
                        "resource": resource})  # fmt: skip
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))
    return path


def _observation(code: str, category: str, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                  "observation-category", "code": category}]}],
        "code": {"coding": [{"system": LOINC, "code": code}], "text": f"code {code}"},
        "effectiveDateTime": "2026-01-08", **value,
    }  # fmt: skip


def _facts(path: Path, kind: type) -> list[Any]:
    facts, log = read_file(path)
    assert not log.problems
    return [f.fact for f in facts if isinstance(f.fact, kind)]


def test_a_refuted_cancer_condition_is_a_negative_finding_not_a_diagnosis(tmp_path: Path) -> None:
    refuted = {
        "resourceType": "Condition", "code": {"text": "Brain metastases"},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "refuted"}]},
        "recordedDate": "2025-12-20",
    }  # fmt: skip
    confirmed = {**refuted, "verificationStatus": {}, "code": {"text": "Lung adenocarcinoma"}}
    path = _bundle(tmp_path, refuted, confirmed)
    (finding,) = _facts(path, ClinicalFinding)
    assert (finding.display, finding.present, finding.effective) == (
        "Brain metastases", False, "2025-12-20",
    )  # fmt: skip
    (cancer,) = _facts(path, CancerCondition)  # only the confirmed one is a cancer
    assert cancer.display == "Lung adenocarcinoma"


def test_weight_height_qtc_and_lvef_are_kept_outside_the_laboratory_category(
    tmp_path: Path,
) -> None:
    path = _bundle(
        tmp_path,
        _observation("29463-7", "vital-signs", valueQuantity={"value": 78, "code": "kg"}),
        _observation("8302-2", "vital-signs", valueQuantity={"value": 176, "code": "cm"}),
        _observation("8636-3", "procedure", valueQuantity={"value": 418, "code": "ms"}),
        _observation("10230-1", "imaging", valueQuantity={"value": 58, "code": "%"}),
        # another vital sign (heart rate 8867-4) is not read by eligibility: not kept
        _observation("8867-4", "vital-signs", valueQuantity={"value": 70, "code": "/min"}),
    )
    results = {(r.code, r.value_number, r.unit) for r in _facts(path, LabResult)}
    assert results == {
        ("29463-7", 78.0, "kg"), ("8302-2", 176.0, "cm"), ("8636-3", 418.0, "ms"),
        ("10230-1", 58.0, "%"),
    }  # fmt: skip


def test_oxygen_saturation_is_kept_by_either_vital_signs_code(tmp_path: Path) -> None:
    # FHIR ValueSet observation-vitalsign-oxygensat: 2708-6, and 59408-5 by pulse oximetry
    path = _bundle(
        tmp_path,
        _observation("59408-5", "vital-signs", valueQuantity={"value": 95, "code": "%"}),
        _observation("2708-6", "vital-signs", valueQuantity={"value": 97, "code": "%"}),
    )
    results = {(r.code, r.value_number, r.unit) for r in _facts(path, LabResult)}
    assert results == {("59408-5", 95.0, "%"), ("2708-6", 97.0, "%")}


def test_breastfeeding_and_cancer_disease_status(tmp_path: Path) -> None:
    worsened = {"coding": [{"system": "http://snomed.info/sct", "code": "271299001",
                            "display": "Patient's condition worsened (finding)"}]}  # fmt: skip
    path = _bundle(
        tmp_path,
        _observation(
            "63895-7", "social-history", valueCodeableConcept={"text": "Not breastfeeding"}
        ),
        _observation("63895-7", "social-history", valueBoolean=True),
        _observation("97509-4", "survey", valueCodeableConcept=worsened),
    )
    found = [(f.display, f.present) for f in _facts(path, ClinicalFinding)]
    assert found == [
        ("Breastfeeding", False),
        ("Breastfeeding", True),
        ("Cancer disease status: Patient's condition worsened", True),
    ]


def test_the_eligibility_patients_import_into_the_database(engine: Engine) -> None:
    """The four authored bundles of the eligibility benchmark go through the real importer."""
    for path in sorted(PATIENTS.glob("*.json")):
        report = import_file(engine, path)
        assert report.status == "imported", path.name
        assert report.patients == [path.stem]
    counts = row_counts(engine)
    assert counts["patients"] == 4 and counts["imports"] == 4
    assert counts["facts"] > 180
