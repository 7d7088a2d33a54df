# SPDX-License-Identifier: Apache-2.0
"""The first screen's pure parts: which treatment is current, its dose, the latest ECOG."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from oncoboard.dosing.schemas import DoseChange
from oncoboard.record.schemas import (
    AnyFact,
    PatientRecord,
    PerformanceStatus,
    Provenance,
    RecordedFact,
    Treatment,
)
from oncoboard.web.summary import current_treatments, latest_ecog

PROVENANCE = Provenance(
    source_name="t.json",
    source_sha256="0" * 64,
    locator="entry 1",
    importer="test",
    importer_version="1",
    import_id="i",
    imported_at=datetime(2026, 1, 1, tzinfo=UTC),
)


def _fact(fact_id: int, fact: AnyFact) -> RecordedFact:
    return RecordedFact(fact_id=fact_id, fact=fact, provenance=PROVENANCE)


def _record(*facts: RecordedFact) -> PatientRecord:
    treatments = [f for f in facts if isinstance(f.fact, Treatment)]
    scores = [f for f in facts if isinstance(f.fact, PerformanceStatus)]
    return PatientRecord(
        patient_id="PT-S",
        demographics=[],
        conditions=[],
        specimens=[],
        variants=[],
        variant_total=0,
        copy_numbers=[],
        fusions=[],
        biomarkers=[],
        performance_status=scores,
        treatments=treatments,
        timeline=[],
        genome_builds=[],
    )


def _change(fact_id: int, dose: str, **extra: Any) -> DoseChange:
    values: dict[str, Any] = {
        "recommendation_id": f"r-{dose}",
        "drug": "capecitabine",
        "indication": "1250",
        "treatment": "capecitabine",
        "treatment_fact_id": fact_id,
        "ae_term": "Diarrhea",
        "grade": 3,
        "grade_source": "clinician",
        "action": "hold",
        "level": -1,
        "dose": dose,
        "outcome": "accept",
        "decided_by": "dr",
        "decided_by_name": "Dr",
        "decided_at": datetime(2026, 2, 1, tzinfo=UTC),
        "reason": None,
    }
    fields = DoseChange.model_fields
    return DoseChange(**{k: v for k, v in {**values, **extra}.items() if k in fields})


def test_current_treatment_is_ongoing_medication_with_its_latest_approved_dose() -> None:
    record = _record(
        _fact(1, Treatment(category="medication", name="capecitabine", start="2025-09-01")),
        _fact(2, Treatment(category="medication", name="oxaliplatin", start="2025-01-01",
                           end="2025-06-01")),
        _fact(3, Treatment(category="procedure", name="mastectomy", start="2025-03-01")),
        _fact(4, Treatment(category="medication", name="letrozole", status="completed",
                           start="2024-01-01")),
        _fact(5, Treatment(category="medication", name="trastuzumab", status="active")),
    )  # fmt: skip
    changes = [_change(1, "1000 mg/m²"), _change(1, "950 mg/m²"), _change(9, "other line")]
    current = current_treatments(record, changes)
    assert [getattr(c.treatment.fact, "name", "") for c in current] == [
        "capecitabine",
        "trastuzumab",
    ]
    assert current[0].dose is not None and current[0].dose.dose == "950 mg/m²"
    assert current[1].dose is None  # as started: no approved change for this line


def test_latest_ecog_is_the_newest_dated_score() -> None:
    record = _record(
        _fact(1, PerformanceStatus(scale="ECOG", score=0, effective="2024-01-01")),
        _fact(2, PerformanceStatus(scale="ECOG", score=2, effective="2025-05-02")),
        _fact(3, PerformanceStatus(scale="ECOG", score=1)),
    )
    latest = latest_ecog(record)
    assert latest is not None and getattr(latest.fact, "score", None) == 2
    assert latest_ecog(_record()) is None
