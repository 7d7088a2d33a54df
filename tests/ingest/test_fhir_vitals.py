# SPDX-License-Identifier: Apache-2.0
"""Blood-pressure panels → systolic and diastolic results (trial eligibility's hypertension
limits), from a written panel and from real Synthea bundles."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest

from oncoboard.record.schemas import LabResult
from tests.support import read_file, shared_file

LOINC = "http://loinc.org"


def _panel(code: str, components: list[tuple[str, float]]) -> dict[str, object]:
    return {
        "resourceType": "Observation", "id": "bp", "status": "final",
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-01-08",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "component": [
            {"code": {"coding": [{"system": LOINC, "code": c}]},
             "valueQuantity": {"value": v, "unit": "mm[Hg]", "code": "mm[Hg]"}}
            for c, v in components
        ],
    }  # fmt: skip


def _results(tmp_path: Path, resource: dict[str, object]) -> list[tuple[str, float | None]]:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "http://x.org/fhir/Patient/p1",
         "resource": {"resourceType": "Patient", "id": "p1"}},
        {"fullUrl": "http://x.org/fhir/Observation/bp", "resource": resource},
    ]}  # fmt: skip
    path = tmp_path / "bp.json"
    path.write_text(json.dumps(bundle))
    facts, log = read_file(path)
    assert not log.problems
    return [
        (f.fact.code or "", f.fact.value_number) for f in facts if isinstance(f.fact, LabResult)
    ]


def test_a_blood_pressure_panel_gives_systolic_and_diastolic(tmp_path: Path) -> None:
    panel = _panel("85354-9", [("8480-6", 134), ("8462-4", 82), ("8867-4", 70)])
    assert _results(tmp_path, panel) == [("8480-6", 134.0), ("8462-4", 82.0)]  # heart rate: no
    # a panel without components is nothing to read
    assert _results(tmp_path, {**panel, "component": []}) == []


@pytest.mark.shared
def test_synthea_blood_pressure_panels_are_read() -> None:
    # Cleo Friesen's bundle: 55284-4 panels with 8480-6 / 8462-4 components in mm[Hg]
    shared_file("interop", "synthea", "SOURCE.md")
    (path,) = glob.glob(
        str(shared_file("interop", "synthea", "bundles-r4") / "Cleo_Friesen_*.json.gz")
    )
    facts, log = read_file(Path(path))
    assert not log.problems
    bp = [
        f.fact
        for f in facts
        if isinstance(f.fact, LabResult) and f.fact.code in ("8480-6", "8462-4")
    ]
    systolic = [r for r in bp if r.code == "8480-6"]
    assert systolic and len(systolic) * 2 == len(bp)
    assert all(r.unit == "mm[Hg]" and r.effective for r in bp)


def test_a_pulse_oximetry_reading_keeps_the_inhaled_oxygen_flow(tmp_path: Path) -> None:
    """US Core pulse oximetry: component 3151-8 (L/min) says whether the reading was on room
    air; it becomes its own result dated like the reading, the SpO2 itself is kept."""
    reading = {
        "resourceType": "Observation", "id": "bp", "status": "final",
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-01-08",
        "category": [{"coding": [{"code": "vital-signs"}]}],
        "code": {"coding": [{"system": LOINC, "code": "2708-6"},
                            {"system": LOINC, "code": "59408-5"}]},
        "valueQuantity": {"value": 95, "unit": "%", "code": "%"},
        "component": [{"code": {"coding": [{"system": LOINC, "code": "3151-8"}]},
                       "valueQuantity": {"value": 2, "unit": "L/min", "code": "L/min"}}],
    }  # fmt: skip
    assert sorted(_results(tmp_path, reading)) == [("2708-6", 95.0), ("3151-8", 2.0)]
    plain = {k: v for k, v in reading.items() if k != "component"}
    assert _results(tmp_path, plain) == [("2708-6", 95.0)]
