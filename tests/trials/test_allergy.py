# SPDX-License-Identifier: Apache-2.0
"""Allergy to the study treatment: the reader on real CT.gov items and variants, the check
against a recorded allergy list ("no known medication allergies", a named drug allergy)."""

from __future__ import annotations

from datetime import date

import pytest

from oncoboard.record.schemas import ClinicalFinding, Demographics
from oncoboard.trials.engine import Screening, TrialCriteria, match_trial
from oncoboard.trials.read_allergy import drug_allergy
from oncoboard.trials.schemas import (
    CriterionResult,
    CriterionState,
    DrugAllergyConstraint,
)
from tests.trials.support import criteria_of, exclusion_result, record

TODAY = date(2026, 1, 15)
WOMAN = Demographics(sex="female", birth_date="1961-09-30")
NONE_KNOWN = ClinicalFinding(display="Allergy (medication)", present=False,
                             effective="2026-01-08")  # fmt: skip
NONE_AT_ALL = ClinicalFinding(display="Allergy (any)", present=False)
NO_FOOD = ClinicalFinding(display="Allergy (food)", present=False)
ASPIRIN = ClinicalFinding(display="Allergy (medication): Aspirin")
PEMBRO = ClinicalFinding(display="Allergy (medication): Pembrolizumab")
NUTS = ClinicalFinding(display="Allergy (food): Tree nut")


def _read(text: str) -> list[tuple[str, DrugAllergyConstraint]]:
    return [(text[s:e], c) for s, e, c in drug_allergy(text)]  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    [
        "Serious allergy to the investigational drug or excipients (such as microcrystalline "
        "cellulose, etc.);",
        "Known allergic reaction against any of the components of the study treatments.",
        "History of allergic reactions attributed to compounds of chemical or biologic "
        "composition similar to palbociclib.",
        "Known allergy/hypersensitivity to excipients of S241656 or to any of the registered "
        "IMPs administered in combination.",
        # variants written for this reader
        "Known hypersensitivity to pembrolizumab or any of its excipients",
        "History of severe hypersensitivity reactions to other monoclonal antibodies",
        "Hypersensitivity to the study drugs",
    ],
)
def test_allergy_to_the_study_treatment_is_read(text: str) -> None:
    (found,) = _read(text)
    assert found[1].type == "drug_allergy"


@pytest.mark.parametrize(
    "text",
    [
        "Known hypersensitivity to iodinated contrast media",
        "Allergy to latex",
        "Participants with an allergic constitution",
        # another object first: the study drug is not the only thing named
        "Allergy to shellfish or to the study drug",
    ],
)
def test_allergies_to_other_things_are_not_read(text: str) -> None:
    assert _read(text) == []


def test_named_drugs_and_severity_are_carried() -> None:
    (found,) = _read("Severe hypersensitivity (grade ≥ 3) to pembrolizumab or its excipients")
    assert found[1].drugs == ("pembrolizumab",) and found[1].qualified
    (plain,) = _read("Known hypersensitivity to cetuximab")
    assert plain[1].drugs == ("cetuximab",) and not plain[1].qualified


def _item(text: str, *facts: object) -> CriterionResult:
    return exclusion_result(text, TODAY, WOMAN, *facts)  # type: ignore[arg-type]


def test_no_known_medication_allergies_rules_the_exclusion_out_and_names_the_fact() -> None:
    text = "Known hypersensitivity to any of the study drugs or their excipients"
    for none_known in (NONE_KNOWN, NONE_AT_ALL):
        item = _item(text, none_known, NUTS)  # a food allergy does not bear on it
        assert item.state is CriterionState.NOT_MET
        assert "no known medication allergies" in item.reason
        assert any(f.label == "Allergy (medication): absent" or f.label == "Allergy (any): absent"
                   for r in item.results for f in r.facts)  # fmt: skip


def test_an_empty_or_food_only_allergy_record_decides_nothing() -> None:
    text = "Known hypersensitivity to any of the study drugs or their excipients"
    assert _item(text).state is CriterionState.UNKNOWN
    assert "allergy status not recorded" in _item(text).reason
    assert _item(text, NO_FOOD, NUTS).state is CriterionState.UNKNOWN


def test_another_drug_allergy_is_left_to_a_clinician_with_its_name() -> None:
    item = _item("Known hypersensitivity to the investigational product", ASPIRIN, NONE_AT_ALL)
    assert item.state not in (CriterionState.MET, CriterionState.NOT_MET)
    assert "Aspirin" in item.reason and "clinician" in item.reason


def test_an_allergy_to_the_named_drug_excludes_unless_a_severity_is_asked() -> None:
    item = _item("Known hypersensitivity to pembrolizumab", PEMBRO)
    assert item.state is CriterionState.MET and "Pembrolizumab" in item.reason
    severe = _item("Severe hypersensitivity to pembrolizumab", PEMBRO)
    assert severe.state is not CriterionState.MET


@pytest.mark.shared
def test_real_allergy_items_against_a_no_known_allergies_record() -> None:
    # NCT05288205 E2 "Serious allergy to the investigational drug or excipients …";
    # NCT04956640 E13 "Known allergic reaction against any of the components of the study …"
    for nct, cid in (("NCT05288205", "E2"), ("NCT04956640", "E13")):
        trial = TrialCriteria(nct, "v", nct, tuple(criteria_of(nct).values()))
        for facts, state in (((NONE_KNOWN,), CriterionState.NOT_MET), ((), None)):
            match = match_trial(trial, Screening.of(record("PT-1", WOMAN, *facts), TODAY))
            item = next(c for c in match.criteria if c.criterion_id == cid)
            if state is None:
                assert item.state not in (CriterionState.MET, CriterionState.NOT_MET)
            else:
                assert item.state is state, (nct, cid, item.reason)


def test_excipients_and_drugs_of_a_similar_structure_are_the_study_treatment() -> None:
    (found,) = _read(
        "History of hypersensitivity to active or inactive excipients of the study drug or drugs "
        "with a similar chemical structure or class"
    )
    assert found[0].endswith("similar chemical structure or class")


@pytest.mark.parametrize(
    "text",
    [
        # NCT03745326 E6, and variants written for this reader
        "History of severe immediate hypersensitivity reaction to cyclophosphamide, fludarabine, "
        "or aldesleukin.",
        "Known hypersensitivity to oxaliplatin or fluorouracil",
        "Prior anaphylaxis to trastuzumab, pertuzumab and/or docetaxel",
    ],
)
def test_hypersensitivity_to_named_drugs_is_an_allergy_not_a_prior_therapy(text: str) -> None:
    """The drugs an allergy names were once read as therapy received; the record's allergy list
    decides them, and every drug of the list is carried (the vocabulary lacks aldesleukin)."""
    result = exclusion_result(text, TODAY, WOMAN, NONE_KNOWN)
    assert [r.constraint_type for r in result.results] == ["drug_allergy"]
    assert result.state is CriterionState.NOT_MET, result.reason
    assert "no known medication allergies" in result.reason
    ((_, constraint),) = _read(text)
    listed = text.lower().replace(",", " ").replace("/", " ").replace(".", " ").split()
    assert constraint.drugs and all(d in listed for d in constraint.drugs)
    assert constraint.drugs[-1] == listed[-1]
    # an allergy to one of them recorded, with a severity asked: a clinician reads it
    named = ClinicalFinding(display=f"Allergy (medication): {constraint.drugs[0].title()}")
    assert exclusion_result(text, TODAY, WOMAN, named).state is not CriterionState.NOT_MET
    # another drug's allergy: not concluded (brand names and cross-reactivity are not mapped)
    other = exclusion_result(text, TODAY, WOMAN, ASPIRIN)
    assert other.state is CriterionState.UNKNOWN and "Aspirin" in other.reason


def test_immediate_hypersensitivity_is_a_qualifier_a_recorded_allergy_does_not_settle() -> None:
    ((_, constraint),) = _read("Immediate hypersensitivity to cyclophosphamide")
    assert constraint.qualified and constraint.drugs == ("cyclophosphamide",)
    ((_, plain),) = _read("Known allergy to cyclophosphamide")
    assert not plain.qualified
    named = ClinicalFinding(display="Allergy (medication): Cyclophosphamide")
    met = exclusion_result("Known allergy to cyclophosphamide", TODAY, WOMAN, named)
    assert met.state is CriterionState.MET
