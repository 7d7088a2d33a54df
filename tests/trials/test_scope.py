# SPDX-License-Identifier: Apache-2.0
"""Item shape: permissions, subgroup alternatives, conditional subjects, cohorts, judgement;
and the cardiac/coagulation thresholds read from real CT.gov items."""

from __future__ import annotations

import pytest

from oncoboard.trials import labs, scope
from tests.trials.support import criteria_of

pytestmark = pytest.mark.shared


def test_a_permission_sentence_is_blanked_and_loosens() -> None:
    text = (
        "Subjects must have at least one measurable lesion as defined by RECIST v1.1. Patients "
        "with treated brain metastases may be enrolled."
    )
    shaped = scope.shape(text, "")
    assert shaped.loosened and "may be enrolled" not in shaped.work
    assert "measurable lesion as defined by RECIST" in shaped.work
    # RECIST's own rule for irradiated lesions is read with the measurable-disease item
    real = criteria_of("NCT05288205")["I4"].text  # "… If no measurable lesion … may be selected"
    restated = scope.shape(real, "")
    assert not restated.loosened and "may be selected" in restated.work


def test_a_subgroup_threshold_is_an_alternative_not_a_requirement() -> None:
    text = "Aspartate aminotransferase ≤ 3 × ULN (≤ 5 × ULN for patients with liver metastases)"
    shaped = scope.shape(text, "")
    assert shaped.loosened and "5 ×" not in shaped.work
    assert [(c.analyte, c.value) for _, _, c in labs.find(shaped.work)] == [("ast", 3.0)]


def test_conditional_subjects_and_populations() -> None:
    c = criteria_of("NCT03745326")
    # "Patients with metastatic colorectal cancer must have had …": a subgroup
    i6 = c["I6"]
    assert i6.conditional
    assert {s.constraint.type for s in i6.constraints if s.subject} == {
        "cancer_type", "disease_extent",
    }  # fmt: skip
    # "For select patients with a clinical history prompting cardiac evaluation: LVEF ≤ 45 %"
    e8 = c["E8"]
    assert e8.conditional and e8.subject_partial
    assert [s.constraint.analyte for s in e8.constraints] == ["lvef"]  # type: ignore[union-attr]
    # "Subjects with histologically confirmed …": the population asked for, not a subgroup
    assert not criteria_of("NCT05288205")["I2"].conditional


def test_a_colon_inside_an_hla_allele_is_not_a_subject() -> None:
    text = criteria_of("NCT06898385")["I6"].text  # "… matching HLA-A*11:01 subtype"
    shaped = scope.shape(text, "")
    assert shaped.subject is None and not shaped.conditional


def test_clinician_judgement_items_are_their_own_category() -> None:
    assert criteria_of("NCT05288205")["I3"].category == "clinician_judgement"  # survival
    assert criteria_of("NCT06385925")["E9"].category == "clinician_judgement"  # investigator
    assert criteria_of("NCT04956640")["I5"].category == "clinician_judgement"  # "adequate"
    assert criteria_of("NCT05288205")["I5"].category == "clinical"  # ECOG


def test_qtc_lvef_and_coagulation_thresholds() -> None:
    qtc = criteria_of("NCT06008288")["E4"]  # QTcF ≥470 ms calculated from 3 ECGs
    (s,) = qtc.constraints
    assert (s.constraint.analyte, s.constraint.op, s.constraint.value, s.constraint.unit) == (  # type: ignore[union-attr]
        "qtc", ">=", 470.0, "ms",
    )  # fmt: skip
    assert not qtc.partial
    coagulation = [
        (c.analyte, c.op, c.value, c.unit)
        for _, _, c in labs.find("INR≤1.5, PTT<1.2 times the upper limit of normal")
    ]
    assert coagulation == [("inr", "<=", 1.5, "ratio"), ("aptt", "<", 1.2, "x ULN")]
    # "AST (or SGOT) and ALT (or SGPT) ≤ 1.5 × institutional ULN": both
    pallas = {s.constraint.analyte for s in criteria_of("NCT02513394")["I20"].constraints}  # type: ignore[union-attr]
    assert pallas == {"ast", "alt"}
