# SPDX-License-Identifier: Apache-2.0
"""The labelled eligibility set: authored FHIR patients read by the importer, judged against the
real CT.gov records; conditional items, narrowing, and the accuracy floor on the whole set."""

from __future__ import annotations

from typing import Any

import pytest
from benchmarks.trial_eligibility import TODAY, load_labels, load_patients, score, system_states

from oncoboard.trials.engine import Screening, TrialCriteria, match_trial
from oncoboard.trials.schemas import CriterionResult, CriterionState
from tests.trials.support import criteria_of

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def patients() -> dict[str, Any]:
    return load_patients("v2")


def _item(patients: dict[str, Any], pid: str, nct: str, cid: str) -> CriterionResult:
    trial = TrialCriteria(nct, "v", nct, tuple(criteria_of(nct).values()))
    match = match_trial(trial, Screening.of(patients[pid], TODAY))
    return next(c for c in match.criteria if c.criterion_id == cid)


def test_an_item_for_another_tumour_type_does_not_apply(patients: dict[str, Any]) -> None:
    # NCT03745326 I6: "Patients with metastatic colorectal cancer must have had at least two
    # systemic chemotherapy regimens that include 5FU, leucovorin, bevacizumab, …"
    lung = _item(patients, "LUNG-1", "NCT03745326", "I6")
    assert lung.state is CriterionState.MET
    assert lung.reason.startswith("applies only to patients with: metastatic colorectal cancer")
    assert "LUAD (Lung Adenocarcinoma) is not COADREAD" in lung.reason
    crc = _item(patients, "CRC-1", "NCT03745326", "I6")
    assert crc.state is CriterionState.MET
    named = " ".join(f.label for r in crc.results for f in r.facts)
    assert all(d in named for d in ("Oxaliplatin", "Irinotecan", "Bevacizumab", "Fluorouracil"))


def test_a_cohort_exclusion_that_is_absent_anyway_does_not_apply(patients: dict[str, Any]) -> None:
    # NCT04956640 E6 "For some parts of the study only: … untreated active CNS metastases …":
    # LUNG-1's brain MRI is negative, so whichever part it applies to, it does not exclude
    lung = _item(patients, "LUNG-1", "NCT04956640", "E10")
    assert lung.state is CriterionState.NOT_MET and "whether or not it applies" in lung.reason


def test_clearance_is_estimated_from_the_imported_weight(patients: dict[str, Any]) -> None:
    # NCT02513394 I21 "… or creatinine clearance ≥ 60 mL/min/1.73 m2 …"
    item = _item(patients, "LUNG-1", "NCT02513394", "I21")
    assert item.state is CriterionState.MET


def test_the_whole_labelled_set_stays_accurate(patients: dict[str, Any]) -> None:
    """Every decision against my labels (1,124): accuracy at least 95 % on the development and
    the check part; clinician-judgement items are never decided."""
    labels = load_labels("v2")
    scored = score(labels, system_states(patients), "v2")
    for split in ("dev", "check"):
        c = scored["table"][f"{split}:ALL"]
        assert c["correct"] >= 0.95 * c["decided"], (split, scored["errors"])
        assert c["decided"] >= 0.3 * c["counted"]
    judged = scored["table"]["all:clinician_judgement"]
    assert judged["decided"] == 0 and judged["counted"] == 84
