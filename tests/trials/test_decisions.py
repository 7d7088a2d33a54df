# SPDX-License-Identifier: Apache-2.0
"""Issue #15, "wrong today": each case against the real CT.gov records it was found on."""

from __future__ import annotations

from datetime import date

import pytest

from oncoboard.record.schemas import (
    Biomarker,
    CancerCondition,
    Demographics,
    GeneTesting,
    SomaticVariant,
)
from oncoboard.trials.constraints import structure
from oncoboard.trials.engine import Screening, TrialCriteria, match_trial
from oncoboard.trials.schemas import (
    CriterionResult,
    CriterionState,
    Eligibility,
    TrialMatch,
    Verdict,
)
from tests.trials.support import criteria_of, record

pytestmark = pytest.mark.shared
TODAY = date(2026, 1, 15)
MAN = Demographics(sex="male", birth_date="1958-05-02")
WOMAN = Demographics(sex="female", birth_date="1961-09-30")
LUAD_IV = CancerCondition(oncotree_code="LUAD", display="Lung adenocarcinoma", stage="IVA")
COAD = CancerCondition(oncotree_code="COAD", display="Colon adenocarcinoma", stage="IIIB")
PAAD = CancerCondition(oncotree_code="PAAD", display="Pancreatic adenocarcinoma", stage="IV")
KRAS_G12C = SomaticVariant(genome_build="GRCh38", gene="KRAS", hgvs_p="p.G12C")
PANEL = GeneTesting(
    test="Oncomine Focus Assay", genes=("KRAS", "NRAS", "HRAS", "BRAF", "RAF1", "EGFR", "TP53")
)


def _real(nct_id: str) -> TrialCriteria:
    return TrialCriteria(nct_id, "v", nct_id, tuple(criteria_of(nct_id).values()))


def _match(trial: TrialCriteria, *facts: object) -> TrialMatch:
    return match_trial(trial, Screening.of(record("PT-1", *facts), TODAY))  # type: ignore[arg-type]


def _item(match: TrialMatch, criterion_id: str) -> CriterionResult:
    return next(c for c in match.criteria if c.criterion_id == criterion_id)


def _synthetic(text: str) -> TrialCriteria:
    eligibility = Eligibility(
        criteria_text=text, sex="ALL", minimum_age_years=18.0, maximum_age_years=None,
        minimum_age_text="18 Years", maximum_age_text=None, healthy_volunteers=False,
    )  # fmt: skip
    return TrialCriteria("NCT00000000", "v", "synthetic", structure(eligibility))


# 1. A decisive structured part decides; the unread rest is shown.
def test_another_tumour_type_excludes_with_the_unread_rest_shown() -> None:
    trial = _synthetic(
        "Inclusion Criteria:\n\n* Histologically confirmed HR+ breast cancer after at least one "
        "line of endocrine therapy\n"
    )
    m = _match(trial, WOMAN, COAD, KRAS_G12C)
    item = _item(m, "I1")
    assert item.state is CriterionState.NOT_MET and item.excludes
    assert m.verdict is Verdict.EXCLUDED and m.excluded_by == ("I1",)
    assert "COAD" in item.reason and "rest is shown unread" in item.reason
    assert item.unread and "endocrine" in item.unread


def test_an_absent_alteration_in_a_sequenced_gene_decides_and_names_the_test() -> None:
    # NCT05288205 I2: "… solid tumors harboring KRAS p.G12C mutation who have failed …"
    g12d = SomaticVariant(genome_build="GRCh38", gene="KRAS", hgvs_p="p.G12D")
    m = _match(_real("NCT05288205"), MAN, LUAD_IV, g12d)
    assert _item(m, "I2").state is CriterionState.NOT_MET and "I2" in m.excluded_by
    # nothing shows KRAS was tested: unknown, never "not met" (absence is not evidence)
    tp53 = SomaticVariant(genome_build="GRCh38", gene="TP53", hgvs_p="p.R273H")
    assert _item(_match(_real("NCT05288205"), MAN, LUAD_IV, tp53), "I2").state is (
        CriterionState.UNKNOWN
    )


# 2. Demographics merged per patient.
def test_age_comes_from_the_birth_date_whichever_source_recorded_it() -> None:
    cbioportal = Demographics(sex="Male", age="P40Y")  # first fact, no birth date
    fhir = Demographics(name="A. Patient", birth_date="1958-05-02", sex="male")
    m = _match(_real("NCT03745326"), cbioportal, fhir, LUAD_IV)
    age = _item(m, "M-age")
    assert age.state is CriterionState.MET  # 67 on 2026-01-15, within 18–72
    assert "age 67 years (from the birth date) vs 18–72 years" in age.reason
    conflicting = Demographics(sex="female", birth_date="1958-05-02")
    sex_conflict = _match(_real("NCT03745326"), cbioportal, conflicting, LUAD_IV)
    pregnancy = _item(sex_conflict, "E1")
    assert pregnancy.state is not CriterionState.NOT_MET  # sexes disagree: never "male"


def test_age_bounds_read_as_words_not_18_0_dash() -> None:
    age = _item(_match(_real("NCT05288205"), MAN, LUAD_IV), "M-age")
    assert "≥ 18 years" in age.reason and "18.0–-" not in age.reason


# 3. The right cancer's stage; stage-group Observations; extent against stage / TNM.
def test_the_stage_is_the_treated_cancers_not_the_first_recorded() -> None:
    cured = CancerCondition(
        oncotree_code="BRCA", display="Invasive breast carcinoma", stage="I",
        clinical_status="remission", onset="2009-04-01",
    )  # fmt: skip
    trial = _synthetic("Inclusion Criteria:\n\n* Stage IV disease\n")
    item = _item(_match(trial, WOMAN, cured, LUAD_IV), "I1")
    assert item.state is CriterionState.MET and "Lung adenocarcinoma: stage IVA" in item.reason


def test_a_stage_group_observation_stages_the_cancer_and_conflicts_are_named() -> None:
    unstaged = CancerCondition(oncotree_code="BRCA", display="Invasive breast carcinoma")
    observation = Biomarker(name="clinical TNM stage group", value_text="IIB (qualifier value)")
    pallas = _real("NCT02513394")
    item = _item(_match(pallas, WOMAN, unstaged, observation), "I3")
    assert item.state is CriterionState.MET and "stage IIB (group II)" in item.reason
    staged = unstaged.model_copy(update={"stage": "IIIC"})
    conflict = _item(_match(pallas, WOMAN, staged, observation), "I3")
    assert conflict.state is CriterionState.UNKNOWN and "differs between sources" in conflict.reason


def test_metastatic_disease_is_read_against_stage_and_m_category() -> None:
    # NCT05052671 E4 "Locally advanced or metastatic disease"; I2 resectable pancreatic cancer
    resectable_trial = _real("NCT05052671")
    m = _match(resectable_trial, MAN, PAAD)
    assert _item(m, "E4").state is CriterionState.MET and m.verdict is Verdict.EXCLUDED
    assert "stage IV" in _item(m, "E4").reason
    local = CancerCondition(oncotree_code="PAAD", display="Pancreatic adenocarcinoma", stage="IB")
    m0 = Biomarker(name="cM category", value_text="cM0 (qualifier value)")
    assert _item(_match(resectable_trial, MAN, local, m0), "E4").state is CriterionState.NOT_MET
    m1 = Biomarker(name="cM category", value_text="cM1")
    unstaged = CancerCondition(oncotree_code="PAAD", display="Pancreatic adenocarcinoma")
    assert _item(_match(resectable_trial, MAN, unstaged, m1), "E4").state is CriterionState.MET


def test_a_resectable_pancreatic_study_excludes_a_metastatic_lung_cancer() -> None:
    m = _match(_real("NCT05052671"), MAN, LUAD_IV, KRAS_G12C)
    assert m.verdict is Verdict.EXCLUDED
    assert {"I2", "E4"} <= set(m.excluded_by)
    # I1 names "adenocarcinoma" in words no rule read next to an "or": not decided alone
    assert _item(m, "I1").state is not CriterionState.MET


# 4. Criteria that were decidable but left for review.
def test_pregnancy_exclusion_does_not_apply_to_a_male_patient() -> None:
    m = _match(_real("NCT05288205"), MAN, LUAD_IV)
    assert _item(m, "E7").state is CriterionState.NOT_MET  # "Pregnant or lactating women"
    # "Women of child-bearing potential who are pregnant or breastfeeding because …"
    assert _item(_match(_real("NCT03745326"), MAN, LUAD_IV), "E1").state is (CriterionState.NOT_MET)
    # a woman without a recorded pregnancy status stays unknown
    assert _item(_match(_real("NCT05288205"), WOMAN, LUAD_IV), "E7").state is (
        CriterionState.UNKNOWN
    )


def test_stage_i_or_iv_breast_cancer_exclusion_for_a_stage_iia_patient() -> None:
    iia = CancerCondition(oncotree_code="IDC", display="Invasive ductal carcinoma", stage="IIA")
    m = _match(_real("NCT02513394"), WOMAN, iia)
    e3 = _item(m, "E3")
    assert e3.state is CriterionState.NOT_MET and "stage IIA (group II) vs I/IV" in e3.reason
    assert (
        _item(
            _match(_real("NCT02513394"), WOMAN, iia.model_copy(update={"stage": "IV"})), "E3"
        ).state
        is CriterionState.MET
    )


def test_excluding_nsclc_and_crc_carves_them_out_of_any_solid_tumour() -> None:
    # NCT06008288 I2: "… metastatic solid tumors (excluding NSCLC and CRC)."
    lung = _item(_match(_real("NCT06008288"), MAN, LUAD_IV, KRAS_G12C), "I2")
    assert lung.state is CriterionState.NOT_MET and "excludes" in lung.reason
    pancreas = _item(_match(_real("NCT06008288"), MAN, PAAD, KRAS_G12C), "I2")
    assert pancreas.state is CriterionState.MET


def test_ras_or_raf_mutation_absent_from_a_sequenced_panel_names_the_panel() -> None:
    # NCT05786924 I2: "… solid tumors with documented RAS or RAF mutations or alterations."
    egfr = SomaticVariant(genome_build="GRCh38", gene="EGFR", hgvs_p="p.L858R")
    m = _match(_real("NCT05786924"), MAN, LUAD_IV, egfr, PANEL)
    item = _item(m, "I2")
    assert item.state is CriterionState.NOT_MET and "I2" in m.excluded_by
    assert "examined by Oncomine Focus Assay" in item.reason
    # the same patient without panel coverage: not decidable
    assert _item(_match(_real("NCT05786924"), MAN, LUAD_IV, egfr), "I2").state is (
        CriterionState.UNKNOWN
    )
    # a KRAS G12C tumour has a RAS mutation
    assert _item(_match(_real("NCT05786924"), MAN, LUAD_IV, KRAS_G12C, PANEL), "I2").state is (
        CriterionState.MET
    )
