# SPDX-License-Identifier: Apache-2.0
"""Comorbidity and infection checks of round 3: serology read test by test, umbrella concepts
ruled out by a wider finding, judgement clauses, reflex-test sentences; oxygen saturation."""

from __future__ import annotations

from datetime import date

import pytest

from oncoboard.record.schemas import CancerCondition, ClinicalFinding, Demographics, LabResult
from oncoboard.trials.constraints import structure
from oncoboard.trials.engine import Screening, TrialCriteria, match_trial
from oncoboard.trials.labs import find
from oncoboard.trials.schemas import CriterionResult, CriterionState, Eligibility
from tests.trials.support import criteria_of, item_result, record

TODAY = date(2026, 1, 15)
MAN = Demographics(sex="male", birth_date="1958-05-02")


def _lab(name: str, value: str, when: str = "2025-12-18") -> LabResult:
    return LabResult(name=name, value_text=value, effective=when)


HBSAG_NEG = _lab("Hepatitis B virus surface antigen [Presence] in Serum", "Negative")
HBC_POS = _lab("Hepatitis B virus core antibody [Presence] in Serum", "Positive")
HBC_NEG = _lab("Hepatitis B virus core antibody [Presence] in Serum", "Negative")
HCV_NEG = _lab("Hepatitis C virus antibody [Presence] in Serum", "Negative")


def _item(section: str, text: str, *facts: object) -> CriterionResult:
    return item_result(text, TODAY, MAN, *facts, section=section)  # type: ignore[arg-type]


def test_every_hepatitis_b_test_is_read_not_only_the_last_listed() -> None:
    text = "Active hepatitis B infection"
    both_negative = _item("exclusion", text, HBSAG_NEG, HBC_NEG)
    assert both_negative.state is CriterionState.NOT_MET
    assert "surface antigen" in both_negative.reason and "core antibody" in both_negative.reason
    # HBsAg negative with anti-HBc positive: past or occult infection, a clinician reads it
    mixed = _item("exclusion", text, HBSAG_NEG, HBC_POS)
    assert mixed.state not in (CriterionState.MET, CriterionState.NOT_MET)
    assert "mixed results" in mixed.reason


def test_a_later_result_of_the_same_test_replaces_the_earlier_one() -> None:
    earlier = _lab("Hepatitis C virus antibody [Presence] in Serum", "Positive", "2020-01-01")
    item = _item("exclusion", "Known hepatitis C infection", earlier, HCV_NEG)
    assert item.state is CriterionState.NOT_MET


@pytest.mark.shared
def test_a_reflex_test_sentence_only_loosens_the_serology_inclusion() -> None:
    # NCT03745326 I18 "Seronegative for hepatitis B antigen, and seronegative for hepatitis C
    # antibody. If hepatitis C antibody test is positive, then patient must be tested … RT-PCR
    # and be HCV RNA negative"
    criterion = criteria_of("NCT03745326")["I18"]
    assert criterion.has_exceptions and not criterion.partial
    trial = TrialCriteria("NCT03745326", "v", "x", (criterion,))
    match = match_trial(trial, Screening.of(record("PT-1", MAN, HBSAG_NEG, HCV_NEG), TODAY))
    assert match.criteria[0].state is CriterionState.MET
    positive = _lab("Hepatitis C virus antibody [Presence] in Serum", "Positive")
    match = match_trial(trial, Screening.of(record("PT-1", MAN, HBSAG_NEG, positive), TODAY))
    assert match.criteria[0].state is not CriterionState.NOT_MET  # RNA may still qualify


def test_a_would_compromise_clause_is_a_judgement_qualifier() -> None:
    text = "Any cardiac disease that would compromise patient safety or the outcome of the study"
    absent = ClinicalFinding(display="Cardiac disease", present=False)
    assert _item("exclusion", text, absent).state is CriterionState.NOT_MET
    present = ClinicalFinding(display="Atrial fibrillation")
    item = _item("exclusion", text, present)
    assert item.state not in (CriterionState.MET, CriterionState.NOT_MET)
    assert "clinician" in item.reason


def test_cardiac_disease_absent_rules_out_coronary_artery_disease() -> None:
    absent = ClinicalFinding(display="Cardiac disease", present=False)
    item = _item("exclusion", "History of coronary artery disease", absent)
    assert item.state is CriterionState.NOT_MET and "recorded absent" in item.reason
    # the reverse does not hold: no myocardial infarction says nothing of other heart disease
    no_mi = ClinicalFinding(display="Myocardial infarction", present=False)
    item = _item("exclusion", "History of cardiac disease", no_mi)
    assert item.state not in (CriterionState.MET, CriterionState.NOT_MET)


@pytest.mark.parametrize(
    ("text", "op", "value"),
    [
        ("Oxygen saturation ≥ 92% on room air", ">=", 92.0),
        ("SpO2 > 90%", ">", 90.0),
        ("Blood oxygen saturation (SpO2) ≥ 95 % (on room air)", ">=", 95.0),
        ("pulse oximetry < 92% at rest", "<", 92.0),
    ],
)
def test_oxygen_saturation_thresholds_are_read(text: str, op: str, value: float) -> None:
    (found,) = [c for _, _, c in find(text)]
    assert (found.analyte, found.op, found.value, found.unit) == ("spo2", op, value, "%")


def test_oxygen_saturation_is_checked_against_pulse_oximetry() -> None:
    spo2 = LabResult(name="Oxygen saturation in Arterial blood by Pulse oximetry",
                     code="59408-5", value_number=95, unit="%", effective="2026-01-08")  # fmt: skip
    item = _item("inclusion", "Oxygen saturation ≥ 92%", spo2)
    assert item.state is CriterionState.MET and "SpO2 >= 92 %: 95 %" in item.reason
    # the record does not say the reading was on room air: not decided, and it says why
    on_air = _item("inclusion", "Oxygen saturation ≥ 92% on room air", spo2)
    assert on_air.state is CriterionState.UNKNOWN
    assert "whether it was taken on room air is not recorded" in on_air.reason
    low = spo2.model_copy(update={"value_number": 89.0})
    assert _item("inclusion", "SpO2 ≥ 92%", low).state is CriterionState.NOT_MET
    assert _item("inclusion", "SpO2 ≥ 92%").state is CriterionState.UNKNOWN


def test_a_positive_interferon_gamma_assay_does_not_show_active_tuberculosis() -> None:
    name = "Mycobacterium tuberculosis stimulated gamma interferon [Presence] in Blood"
    negative = _item("exclusion", "Active pulmonary tuberculosis", _lab(name, "Negative"))
    assert negative.state is CriterionState.NOT_MET
    positive = _item("exclusion", "Active pulmonary tuberculosis", _lab(name, "Positive"))
    assert positive.state not in (CriterionState.MET, CriterionState.NOT_MET)
    assert "whether tuberculosis is active" in positive.reason
    # any tuberculosis history: a positive assay is one
    assert _item("exclusion", "History of tuberculosis", _lab(name, "Positive")).state is (
        CriterionState.MET
    )


def test_cardiovascular_disease_is_wider_than_heart_disease() -> None:
    # found on the first held-out run: "cardiac disease: absent" does not rule out a patient's
    # hypertension or past pulmonary embolism, which are cardiovascular
    text = "Clinically significant cardiovascular disease."
    no_heart = ClinicalFinding(display="Cardiac disease", present=False)
    hypertension = ClinicalFinding(display="Essential hypertension")
    item = _item("exclusion", text, no_heart, hypertension)
    assert item.state not in (CriterionState.MET, CriterionState.NOT_MET)
    assert "hypertension" in " ".join(f.label for r in item.results for f in r.facts).lower()
    none = ClinicalFinding(display="Cardiovascular disease", present=False)
    assert _item("exclusion", text, none).state is CriterionState.NOT_MET
    assert _item("exclusion", text, no_heart).state is CriterionState.UNKNOWN


@pytest.mark.parametrize(
    "text",
    ["Must be able to swallow capsule/tablet.", "Able to swallow oral medication"],
)
def test_able_to_swallow_is_read_against_dysphagia(text: str) -> None:
    no_dysphagia = ClinicalFinding(display="Dysphagia", present=False, effective="2026-01-08")
    assert _item("inclusion", text, no_dysphagia).state is CriterionState.MET
    dysphagia = ClinicalFinding(display="Dysphagia")
    assert _item("inclusion", text, dysphagia).state is CriterionState.NOT_MET
    assert _item("inclusion", text).state is CriterionState.UNKNOWN


def test_swallow_and_retain_or_absorption_stay_for_review() -> None:
    no_dysphagia = ClinicalFinding(display="Dysphagia", present=False)
    item = _item(
        "inclusion",
        "Subjects must be able to swallow oral medications without gastrointestinal "
        "abnormalities that significantly affect drug absorption",
        no_dysphagia,
    )
    assert item.state is CriterionState.NEEDS_REVIEW
    # inability to swallow as an exclusion is the comorbidity
    excluded = _item("exclusion", "Inability to swallow oral medication", no_dysphagia)
    assert excluded.state is CriterionState.NOT_MET


def test_effusions_and_ascites_are_each_read_on_their_own() -> None:
    text = "Uncontrolled pleural effusion, pericardial effusion, or ascites."
    ruled_out = [ClinicalFinding(display=d, present=False, effective="2025-12-02")
                 for d in ("Pleural effusion", "Pericardial effusion", "Ascites")]  # fmt: skip
    assert _item("exclusion", text, *ruled_out).state is CriterionState.NOT_MET
    # one of the three not recorded: the item stays open
    assert _item("exclusion", text, *ruled_out[:2]).state not in (
        CriterionState.MET, CriterionState.NOT_MET,
    )  # fmt: skip
    # "ascites: absent" no longer stands for a pleural effusion too
    ascites_only = _item("exclusion", "Pleural effusion", ruled_out[2])
    assert ascites_only.state is CriterionState.UNKNOWN


@pytest.mark.parametrize(
    "text",
    [
        "Have an active, ongoing, or untreated infection.",
        "Uncontrolled or active clinically relevant bacterial, fungal, or specific viral "
        "infection requiring systemic therapy.",
        "Concurrent opportunistic infections",
    ],
)
def test_an_infection_now_is_read_against_the_screening_examination(text: str) -> None:
    none_now = ClinicalFinding(display="Active infection", present=False, effective="2026-01-08")
    assert _item("exclusion", text, none_now).state is CriterionState.NOT_MET
    assert _item("exclusion", text).state is CriterionState.UNKNOWN
    # a pneumonia that resolved is not an infection now
    resolved = ClinicalFinding(display="Pneumonia", clinical_status="resolved",
                               abatement="2025-03-01")  # fmt: skip
    assert _item("exclusion", text, resolved, none_now).state is CriterionState.NOT_MET


def test_infections_that_cannot_be_controlled_are_not_a_negation() -> None:
    # NCT06898385 E10: NegEx took "cannot be" for a negation of the infection (fixed)
    text = ("Fungal, bacterial, viral or other infections or suspected fungal, bacterial, viral "
            "or other infections that cannot be controlled or require intravenous administration")  # fmt: skip
    none_now = ClinicalFinding(display="Active infection", present=False)
    item = _item("exclusion", text, none_now)
    assert item.state is not CriterionState.MET  # "suspected …" stays for review
    assert "negated" not in item.reason


def test_a_chronic_viral_infection_is_not_an_infection_now() -> None:
    # HIV and hepatitis have their own reader; "active, ongoing or untreated infection" does
    # not conclude from them
    hepatitis = ClinicalFinding(display="Chronic hepatitis B infection")
    item = _item("exclusion", "Have an active, ongoing, or untreated infection.", hepatitis)
    assert item.state is CriterionState.UNKNOWN
    pneumonia = ClinicalFinding(display="Pneumonia", clinical_status="active")
    met = _item("exclusion", "Have an active, ongoing, or untreated infection.", pneumonia)
    assert met.state is CriterionState.MET and "Pneumonia" in " ".join(
        f.label for r in met.results for f in r.facts
    )


def _breast_trial(
    exclusion: str, inclusion: str = "Histologically confirmed breast cancer"
) -> TrialCriteria:
    eligibility = Eligibility(
        criteria_text=f"Inclusion Criteria:\n\n* {inclusion}\n\nExclusion Criteria:\n\n* {exclusion}",
        sex="ALL", minimum_age_years=18.0, maximum_age_years=None, minimum_age_text="18 Years",
        maximum_age_text=None, healthy_volunteers=False,
    )  # fmt: skip
    return TrialCriteria("NCT00000000", "v", "synthetic", structure(eligibility))


def _exclusion_of(trial: TrialCriteria, *facts: object) -> CriterionResult:
    screening = Screening.of(record("PT-1", MAN, *facts), TODAY)  # type: ignore[arg-type]
    return next(c for c in match_trial(trial, screening).criteria if c.criterion_id == "E1")


COLON = CancerCondition(display="Adenocarcinoma of sigmoid colon", oncotree_code="COAD",
                        onset="2024-03-01")  # fmt: skip
BREAST = CancerCondition(display="Invasive ductal carcinoma of breast", oncotree_code="IDC",
                         onset="2025-09-01")  # fmt: skip
NO_OTHER = ClinicalFinding(display="Other malignancy", present=False)


@pytest.mark.parametrize(
    "text",
    [
        "Patients with a history of any malignancy are ineligible",
        "History of malignancy",
        "Active malignancy (other than the disease under study)",
    ],
)
def test_any_malignancy_counts_the_patients_own_cancer_when_the_trial_studies_another(
    text: str,
) -> None:
    """Round 2's known limit: a colon-cancer patient has "a malignancy" in a breast-cancer trial
    (the trial's tumour types come from its inclusion criteria)."""
    trial = _breast_trial(text)
    colon = _exclusion_of(trial, COLON, NO_OTHER)
    assert colon.state is CriterionState.MET
    assert "own cancer (Adenocarcinoma of sigmoid colon, COAD)" in colon.reason
    assert "studies (BREAST)" in colon.reason
    # the cancer the trial studies is not "a malignancy" of its exclusion
    assert _exclusion_of(trial, BREAST, NO_OTHER).state is CriterionState.NOT_MET
    # a basket trial: which cancers are "study-specific" is not read, the own cancer is reviewed
    basket = _breast_trial(text, inclusion="Advanced solid tumours")
    result = _exclusion_of(basket, COLON, NO_OTHER)
    assert result.state is CriterionState.UNKNOWN and "own cancer" in result.reason


def test_other_malignancy_still_means_a_cancer_besides_the_patients_own() -> None:
    trial = _breast_trial("Other malignancy within 5 years")
    assert _exclusion_of(trial, COLON, NO_OTHER).state is CriterionState.NOT_MET
    prostate = CancerCondition(display="Prostate adenocarcinoma", oncotree_code="PRAD",
                               onset="2023-02-01", is_primary=True)  # fmt: skip
    assert _exclusion_of(trial, BREAST, prostate).state is CriterionState.MET


CARDIOVASCULAR_PARTS = ("Cardiac disease", "Stroke", "Transient ischemic attack",
                        "Peripheral vascular disease", "Deep vein thrombosis",
                        "Pulmonary embolism", "Hypertension")  # fmt: skip


def test_cardiovascular_disease_is_ruled_out_part_by_part() -> None:
    """WHO's parts of cardiovascular disease, each recorded absent, rule it out; one part not
    recorded leaves it open and names the part; one present is a judgement ("significant")."""
    absent = [ClinicalFinding(display=p, present=False) for p in CARDIOVASCULAR_PARTS]
    text = "Clinically significant cardiovascular disease"
    ruled_out = _item("exclusion", text, *absent)
    assert ruled_out.state is CriterionState.NOT_MET
    assert "each part recorded absent" in ruled_out.reason
    no_dvt = _item("exclusion", text, *absent[:4], *absent[5:])
    assert no_dvt.state is CriterionState.UNKNOWN
    assert "deep vein thrombosis not ruled out" in no_dvt.reason
    treated = ClinicalFinding(display="Essential hypertension")
    assert _item("exclusion", text, *absent[:6], treated).state is CriterionState.UNKNOWN
    # pulmonary hypertension is not the hypertension of the list
    pulmonary = ClinicalFinding(display="Pulmonary hypertension", present=False)
    assert _item("exclusion", text, *absent[:6], pulmonary).state is CriterionState.UNKNOWN


@pytest.mark.parametrize(
    "text",
    [
        "History of coronary revascularization or ischemic symptoms.",  # NCT03745326 E7
        "Cardiac angioplasty or stent placement within 6 months",
        "Prior percutaneous coronary intervention",
        "Other clinically significant heart diseases",
    ],
)
def test_coronary_procedures_and_symptoms_are_heart_disease(text: str) -> None:
    no_heart = ClinicalFinding(display="Cardiac disease", present=False)
    result = _item("exclusion", text, no_heart)
    assert result.state is CriterionState.NOT_MET, result.reason
    assert "recorded absent" in result.reason
    # with only a myocardial infarction ruled out, the rest stays open
    no_mi = ClinicalFinding(display="Myocardial infarction", present=False)
    assert _item("exclusion", text, no_mi).state is not CriterionState.NOT_MET


E1_OTHER = (
    "Other malignancies (except non-melanoma skin cancer with the disease-free survival of more "
    "than 5 years and cervical carcinoma in situ, bladder cancer, or breast cancer)"
)  # NCT06898385 E1


def _other_cancer(display: str, onset: str = "2014-02-10") -> CancerCondition:
    return CancerCondition(display=display, onset=onset, clinical_status="remission")


def test_whole_organ_exceptions_except_that_organs_cancers_only() -> None:
    lung = CancerCondition(display="Lung adenocarcinoma", oncotree_code="LUAD", onset="2025-06-02")
    prostate = _other_cancer("Prostate adenocarcinoma, low-grade (Gleason 6)")
    met = _item("exclusion", E1_OTHER, lung, prostate)
    assert met.state is CriterionState.MET and "Prostate adenocarcinoma" in met.reason
    bladder = _other_cancer("Urothelial carcinoma of bladder")
    assert _item("exclusion", E1_OTHER, lung, bladder).state is CriterionState.NOT_MET
    # the skin exception carries a condition (disease-free > 5 years): a clinician reads it
    skin = _other_cancer("Basal cell carcinoma of skin", onset="2024-01-01")
    assert _item("exclusion", E1_OTHER, lung, skin).state is CriterionState.UNKNOWN


@pytest.mark.parametrize(
    ("text", "state"),
    [
        # "superficial bladder cancer" excepts only superficial ones: an invasive one counts
        ("Other malignancy within 5 years except superficial bladder cancer", "unknown"),
        ("Other malignancy within 5 years except bladder cancer", "not_met"),
    ],
)
def test_a_narrow_kind_is_not_the_whole_organ(text: str, state: str) -> None:
    lung = CancerCondition(display="Lung adenocarcinoma", oncotree_code="LUAD", onset="2025-06-02")
    invasive = _other_cancer("Muscle-invasive urothelial carcinoma of bladder", onset="2023-03-01")
    result = _item("exclusion", text, lung, invasive)
    assert (
        result.state is not CriterionState.NOT_MET
        if state == "unknown"
        else (result.state is CriterionState.NOT_MET)
    )


def test_a_resolved_hepatitis_b_is_not_read_as_an_infection_now() -> None:
    resolved = ClinicalFinding(display="Hepatitis B (resolved)", clinical_status="resolved")
    for text in ("Known HBV infection", "Hepatitis B virus infection"):
        item = _item("exclusion", text, resolved, HBSAG_NEG, HBC_POS)
        # neither "applies" (a past infection is not one now) nor "does not apply" (some
        # protocols count it): the clinician reads the recorded resolution
        assert item.state not in (CriterionState.MET, CriterionState.NOT_MET), text
        assert "resolved" in item.reason
    current = ClinicalFinding(display="Chronic hepatitis B", clinical_status="active")
    assert _item("exclusion", "Known HBV infection", current).state is CriterionState.MET
    # "active" infection: a resolved one does not count, the serology decides as before
    active = _item("exclusion", "Active hepatitis B infection", resolved, HBSAG_NEG, HBC_NEG)
    assert active.state is CriterionState.NOT_MET
