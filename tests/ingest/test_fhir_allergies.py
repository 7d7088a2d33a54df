# SPDX-License-Identifier: Apache-2.0
"""FHIR AllergyIntolerance and Immunization → findings trial eligibility reads (allergy to the
study drug, live vaccines before the first dose)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from oncoboard.record.schemas import ClinicalFinding
from tests.support import read_file, shared_file

IPS = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
_STATUS = "http://terminology.hl7.org/CodeSystem/allergyintolerance-"


def _bundle(tmp_path: Path, *allergies: dict[str, Any]) -> Path:
    entries = [{"fullUrl": "http://x.org/fhir/Patient/p1",
                "resource": {"resourceType": "Patient", "id": "p1", "gender": "female"}}]  # fmt: skip
    for n, allergy in enumerate(allergies):
        resource = {"resourceType": "AllergyIntolerance", "id": f"a{n}",
                    "patient": {"reference": "Patient/p1"}, **allergy}  # fmt: skip
        entries.append({"fullUrl": f"http://x.org/fhir/AllergyIntolerance/a{n}",
                        "resource": resource})  # fmt: skip
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))
    return path


def _findings(path: Path) -> list[tuple[str, bool, str | None]]:
    facts, log = read_file(path)
    assert not log.problems
    return [
        (f.fact.display, f.fact.present, f.fact.effective)
        for f in facts
        if isinstance(f.fact, ClinicalFinding)
    ]


def _status(kind: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": f"{_STATUS}{kind}", "code": code}]}


def test_known_absent_codes_and_a_recorded_drug_allergy(tmp_path: Path) -> None:
    path = _bundle(
        tmp_path,
        {"code": {"coding": [{"system": IPS, "code": "no-known-medication-allergies"}]},
         "recordedDate": "2026-01-08"},
        {"code": {"coding": [{"system": IPS, "code": "no-known-food-allergies"}]}},
        # "no information" says nothing: not kept
        {"code": {"coding": [{"system": IPS, "code": "no-allergy-info"}]}},
        {"clinicalStatus": _status("clinical", "active"),
         "verificationStatus": _status("verification", "confirmed"), "category": ["medication"],
         "code": {"text": "Penicillin V"}, "recordedDate": "2020-03-01"},
        {"verificationStatus": _status("verification", "refuted"), "category": ["medication"],
         "code": {"text": "Cotrimoxazole"}},
        {"verificationStatus": _status("verification", "entered-in-error"),
         "code": {"text": "Ibuprofen"}},
    )  # fmt: skip
    assert _findings(path) == [
        ("Allergy (medication)", False, "2026-01-08"),
        ("Allergy (food)", False, None),
        ("Allergy (medication): Penicillin V", True, "2020-03-01"),
        ("Allergy (medication): Cotrimoxazole", False, None),
    ]


@pytest.mark.shared
def test_synthea_bulk_allergies_are_kept_with_their_category() -> None:
    # 11 lines for 2 patients: 7 environment, 2 food, 2 medication (aspirin, co-trimoxazole),
    # all confirmed and active (zcat AllergyIntolerance.000.ndjson.gz)
    path = shared_file("interop", "synthea", "bulk-ndjson-10-patients",
                       "AllergyIntolerance.000.ndjson.gz")  # fmt: skip
    found = _findings(path)
    assert len(found) == 11 and all(present for _, present, _ in found)
    medication = sorted(d for d, _, _ in found if d.startswith("Allergy (medication)"))
    assert medication == [
        "Allergy (medication): Aspirin",
        "Allergy (medication): Sulfamethoxazole / Trimethoprim",
    ]
    assert "Allergy (food): Tree nut" in {d for d, _, _ in found}  # SNOMED tag dropped


@pytest.mark.shared
def test_synthea_immunizations_are_dated_findings() -> None:
    # 161 lines, all completed; CVX 121 "zoster vaccine, live" twice, 03 MMR once
    path = shared_file("interop", "synthea", "bulk-ndjson-10-patients",
                       "Immunization.000.ndjson.gz")  # fmt: skip
    found = _findings(path)
    assert len(found) == 161 and all(present and when for _, present, when in found)
    names = [d for d, _, _ in found]
    assert names.count("Immunization: zoster vaccine, live") == 2
    assert names.count("Immunization: MMR") == 1


def test_an_immunization_not_given_is_absent_and_one_in_error_is_skipped(tmp_path: Path) -> None:
    def shot(status: str) -> dict[str, Any]:
        return {"resourceType": "Immunization", "id": status, "status": status,
                "patient": {"reference": "Patient/p1"}, "occurrenceDateTime": "2025-10-02",
                "vaccineCode": {"text": "Influenza, seasonal, injectable"}}  # fmt: skip

    entries = [{"fullUrl": "http://x.org/fhir/Patient/p1",
                "resource": {"resourceType": "Patient", "id": "p1"}}]  # fmt: skip
    for status in ("completed", "not-done", "entered-in-error"):
        entries.append({"fullUrl": f"http://x.org/fhir/Immunization/{status}",
                        "resource": shot(status)})  # fmt: skip
    path = tmp_path / "shots.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))
    assert _findings(path) == [
        ("Immunization: Influenza, seasonal, injectable", True, "2025-10-02"),
        ("Immunization: Influenza, seasonal, injectable", False, "2025-10-02"),
    ]
