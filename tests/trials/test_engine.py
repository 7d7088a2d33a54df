# SPDX-License-Identifier: Apache-2.0
"""The pure matching engine: states, reasons, negation, wild-type, exclusions, missing data."""

from __future__ import annotations

from datetime import date

import pytest

from oncoboard.record.schemas import (
    CancerCondition,
    Demographics,
    GeneTesting,
    PerformanceStatus,
    SomaticVariant,
    Treatment,
)
from oncoboard.trials.constraints import structure
from oncoboard.trials.engine import Screening, TrialCriteria, match_trial
from oncoboard.trials.schemas import CriterionState, Eligibility, TrialMatch, Verdict
from tests.trials.support import criteria_of, record

TODAY = date(2026, 1, 15)
KRAS_G12C = SomaticVariant(genome_build="GRCh38", gene="KRAS", hgvs_p="p.Gly12Cys")
KRAS_G12D = SomaticVariant(genome_build="GRCh38", gene="KRAS", hgvs_p="p.G12D")
TP53 = SomaticVariant(genome_build="GRCh38", gene="TP53", hgvs_p="p.R273H")
ADULT = Demographics(sex="female", birth_date="1960-03-01")
LUAD = CancerCondition(oncotree_code="LUAD", display="Lung adenocarcinoma", stage="IV")


def _trial(text: str, **module: object) -> TrialCriteria:
    eligibility = Eligibility(
        criteria_text=text, sex="ALL", minimum_age_years=module.get("min_age", 18.0),  # type: ignore[arg-type]
        maximum_age_years=None, minimum_age_text="18 Years", maximum_age_text=None,
        healthy_volunteers=False,
    )  # fmt: skip
    return TrialCriteria("NCT00000000", "2025-01-01", "synthetic", structure(eligibility))


def _real(nct_id: str) -> TrialCriteria:
    return TrialCriteria(nct_id, "v", nct_id, tuple(criteria_of(nct_id).values()))


def _match(trial: TrialCriteria, *facts: object) -> TrialMatch:
    return match_trial(trial, Screening.of(record("PT-1", *facts), TODAY))  # type: ignore[arg-type]


def _state(match: TrialMatch, criterion_id: str) -> CriterionState:
    return next(c for c in match.criteria if c.criterion_id == criterion_id).state


@pytest.mark.shared
def test_kras_g12c_patient_is_not_excluded_and_ecog_is_met() -> None:
    m = _match(
        _real("NCT05288205"), ADULT, LUAD, KRAS_G12C, PerformanceStatus(scale="ECOG", score=1)
    )
    assert m.verdict is Verdict.NEEDS_REVIEW and m.excluded_by == ()
    assert _state(m, "I5") is CriterionState.MET
    # the G12C part holds; "who have failed … SOC" is a prior line with progression, and this
    # record has no treatment history: unknown, naming what is missing
    i2 = next(c for c in m.criteria if c.criterion_id == "I2")
    assert i2.state is CriterionState.UNKNOWN and "treatment history" in i2.reason
    assert _state(m, "M-age") is CriterionState.MET  # born 1960: 65 on 2026-01-15


@pytest.mark.shared
def test_a_different_kras_change_excludes_by_the_biomarker_criterion() -> None:
    m = _match(
        _real("NCT05288205"), ADULT, LUAD, KRAS_G12D, PerformanceStatus(scale="ECOG", score=1)
    )
    assert m.verdict is Verdict.EXCLUDED and m.excluded_by == ("I2",)
    reason = next(c.reason for c in m.criteria if c.criterion_id == "I2")
    # KRAS was examined (a KRAS variant is reported): the absent G12C decides the criterion alone
    assert "KRAS p.G12C: not found (KRAS variant(s) reported)" in reason


@pytest.mark.shared
def test_missing_ecog_is_unknown_not_met_and_not_passed() -> None:
    m = _match(_real("NCT05288205"), ADULT, LUAD, KRAS_G12C)
    i5 = next(c for c in m.criteria if c.criterion_id == "I5")
    assert i5.state is CriterionState.UNKNOWN and not i5.excludes
    assert "ECOG performance status" in i5.reason
    assert m.verdict is Verdict.NEEDS_REVIEW


@pytest.mark.shared
def test_an_exclusion_that_holds_excludes() -> None:
    sotorasib = Treatment(category="medication", name="Sotorasib", start="2025-01-01")
    m = _match(_real("NCT06008288"), ADULT, LUAD, KRAS_G12C, sotorasib)
    e1 = next(c for c in m.criteria if c.criterion_id == "E1")
    assert e1.state is CriterionState.MET and e1.excludes and "exclusion" in e1.flags
    assert m.verdict is Verdict.EXCLUDED and "E1" in m.excluded_by
    # another drug: the exclusion does not apply
    other = Treatment(category="medication", name="Carboplatin", start="2024-01-01")
    assert (
        _state(_match(_real("NCT06008288"), ADULT, LUAD, KRAS_G12C, other), "E1")
        is CriterionState.NOT_MET
    )


def test_no_prior_egfr_tki_is_a_negated_requirement() -> None:
    trial = _trial("Inclusion Criteria:\n\n* No prior EGFR TKI therapy\n")
    osimertinib = Treatment(category="medication", name="Osimertinib", start="2024-02-01")
    treated = _match(trial, ADULT, osimertinib)
    item = next(c for c in treated.criteria if c.criterion_id == "I1")
    assert item.state is CriterionState.NOT_MET and "negated" in item.flags
    naive = _match(
        trial, ADULT, Treatment(category="medication", name="Pemetrexed", start="2024-02-01")
    )
    assert _state(naive, "I1") is CriterionState.MET
    assert _state(_match(trial, ADULT), "I1") is CriterionState.UNKNOWN  # no treatment history


def test_wild_type_requirement_and_its_flag() -> None:
    trial = _trial("Inclusion Criteria:\n\n* KRAS wild-type tumour\n")
    assert _state(_match(trial, ADULT, KRAS_G12D), "I1") is CriterionState.NOT_MET
    # absence is not evidence: TP53 sequenced says nothing about KRAS
    assert _state(_match(trial, ADULT, TP53), "I1") is CriterionState.UNKNOWN
    panel = GeneTesting(test="Oncomine Focus", genes=("KRAS", "NRAS", "BRAF", "TP53"))
    covered = next(c for c in _match(trial, ADULT, TP53, panel).criteria if c.criterion_id == "I1")
    assert covered.state is CriterionState.MET and "wild_type" in covered.flags
    assert "KRAS examined by Oncomine Focus" in covered.reason
    assert _state(_match(trial, ADULT), "I1") is CriterionState.UNKNOWN  # nothing sequenced


def test_an_unreadable_criterion_needs_review_and_is_never_passed() -> None:
    trial = _trial("Inclusion Criteria:\n\n* Life expectancy of at least 3 months.\n")
    m = _match(trial, ADULT)
    assert _state(m, "I1") is CriterionState.NEEDS_REVIEW
    assert m.verdict is Verdict.CANDIDATE  # structured criteria all met; I1 is listed for review
    assert m.needs_review == 1


def test_age_outside_the_module_bounds_excludes() -> None:
    child = Demographics(sex="male", birth_date="2015-06-01")
    m = _match(_trial("Inclusion Criteria:\n\n* Signed consent\n"), child)
    assert m.excluded_by == ("M-age",)


def test_male_patient_is_not_excluded_by_pregnancy_and_female_is_unknown() -> None:
    trial = _trial("Exclusion Criteria:\n\n* Pregnant or lactating women\n")
    man = Demographics(sex="male", birth_date="1960-01-01")
    assert _state(_match(trial, man), "E1") in (CriterionState.NOT_MET, CriterionState.NEEDS_REVIEW)
    assert _state(_match(trial, ADULT), "E1") is CriterionState.UNKNOWN


def test_an_administrative_criterion_is_shown_apart_and_not_counted_as_undecided() -> None:
    trial = _trial("Inclusion Criteria:\n\n* Willing to sign a durable power of attorney.\n")
    m = _match(trial, ADULT)
    (item,) = [c for c in m.criteria if c.criterion_id == "I1"]
    assert item.category == "administrative" and item.state is CriterionState.NEEDS_REVIEW
    assert "administrative" in item.reason
    assert m.needs_review == 0 and m.verdict is Verdict.CANDIDATE
