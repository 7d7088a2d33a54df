# SPDX-License-Identifier: Apache-2.0
"""Round-4 disease and treatment readers on real CT.gov sentences and written variants:
RECIST's own rules restated next to a measurable-disease item, an "or" that joins no tumour
type, items that branch by tumour type."""

from __future__ import annotations

from datetime import date

import pytest

from oncoboard.record.schemas import (
    CancerCondition,
    ClinicalFinding,
    Demographics,
    GeneTesting,
    SomaticVariant,
    Treatment,
)
from oncoboard.trials.constraints import structure
from oncoboard.trials.engine import Screening, TrialCriteria, match_all, match_trial
from oncoboard.trials.schemas import Criterion, CriterionState, Eligibility
from tests.trials.support import record

TODAY = date(2026, 1, 15)
ADULT = Demographics(sex="male", birth_date="1960-03-01")
LUNG = CancerCondition(oncotree_code="LUAD", display="Lung adenocarcinoma", stage="IV")
MEASURABLE = ClinicalFinding(display="Measurable disease (RECIST 1.1)", present=True)
NOT_MEASURABLE = ClinicalFinding(display="Measurable disease (RECIST 1.1)", present=False)


def _trial(*inclusions: str) -> TrialCriteria:
    listed = "\n".join(f"* {i}" for i in inclusions)
    eligibility = Eligibility(
        criteria_text=f"Inclusion Criteria:\n{listed}\nExclusion Criteria:\n* Pregnancy",
        sex="ALL", minimum_age_years=18.0, maximum_age_years=None,
        minimum_age_text="18 Years", maximum_age_text=None, healthy_volunteers=False,
    )  # fmt: skip
    return TrialCriteria.of("NCT00000001", "v1", "synthetic", structure(eligibility))


def _criterion(text: str) -> Criterion:
    return next(c for c in _trial(text).criteria if c.id == "I1")


def _state(text: str, *facts: object) -> CriterionState:
    screening = Screening.of(record("PT-1", ADULT, LUNG, *facts), TODAY)  # type: ignore[arg-type]
    match = match_trial(_trial(text), screening)
    return next(c for c in match.criteria if c.criterion_id == "I1").state


# NCT06898385 I5 and NCT05288205 I4 (real), then paraphrases
RECIST_RESTATED = (
    "At least one measurable lesion (according to RECIST 1.1 criteria), specifically: longest "
    "diameter of ≥10 mm for non lymph node lesions or shortest diameter of ≥15 mm for lymph node "
    "lesions (tumor lesions situated in a previously irradiated area, or in an area subjected to "
    "other loco-regional therapy, are usually not considered measurable, unless unequivocal "
    "progression of the lesion is demonstrated by an evidence)",
    "Subjects must have at least one measurable lesion as defined by RECIST v1.1. If no "
    "measurable lesion untreated with radiation is selected as the target lesion, a lesion "
    "treated with radiation ≥ 4 weeks before the first dose and with progression confirmed by "
    "radiography may be selected as the target lesion;",
    "Measurable disease per RECIST 1.1. Lesions in a previously irradiated field can be "
    "considered measurable only if progression has been documented since radiotherapy.",
    "Measurable disease per RECIST v1.1 (≥ 1.0 cm in longest diameter, or ≥ 1.5 cm in short axis "
    "for lymph nodes)",
)


@pytest.mark.parametrize("text", RECIST_RESTATED)
def test_recist_rules_restated_are_read_with_measurable_disease(text: str) -> None:
    criterion = _criterion(text)
    assert not criterion.has_exceptions and not criterion.partial, criterion.unread
    assert _state(text, MEASURABLE) is CriterionState.MET
    assert _state(text, NOT_MEASURABLE) is CriterionState.NOT_MET
    assert _state(text) is CriterionState.UNKNOWN


@pytest.mark.parametrize(
    "text",
    [
        # stricter than RECIST: an irradiated lesion never counts, or a larger size
        "Measurable disease per RECIST 1.1; lesions in a previously irradiated field are not "
        "considered measurable.",
        "At least one measurable lesion per RECIST 1.1 with a longest diameter of ≥ 20 mm",
    ],
)
def test_a_protocol_stricter_than_recist_decides_only_against(text: str) -> None:
    criterion = _criterion(text)
    assert criterion.partial or criterion.has_exceptions
    assert _state(text, MEASURABLE) is CriterionState.NEEDS_REVIEW
    assert _state(text, NOT_MEASURABLE) is CriterionState.NOT_MET


def test_an_irradiated_lesion_rule_without_measurable_disease_is_not_read() -> None:
    text = "Prior radiotherapy to target lesions is allowed if progression was documented."
    criterion = _criterion(text)
    assert not any(s.constraint.type == "measurable_disease" for s in criterion.constraints)


COLON = CancerCondition(oncotree_code="COAD", display="Adenocarcinoma of sigmoid colon", stage="IV")
PANCREAS = CancerCondition(
    oncotree_code="PAAD", display="Pancreatic ductal adenocarcinoma", stage="IV"
)


def _state_for(text: str, cancer: CancerCondition) -> tuple[CriterionState, str]:
    screening = Screening.of(record("PT-1", ADULT, cancer), TODAY)
    match = match_trial(_trial(text), screening)
    result = next(c for c in match.criteria if c.criterion_id == "I1")
    return result.state, result.reason


@pytest.mark.parametrize(
    "text",
    [
        # NCT05052671 I1 (real): the "or" joins the ways of diagnosis, not tumour types
        "Newly diagnosed exocrine pancreatic cancer with either pathology or radiology imaging "
        "suggestive of adenocarcinoma",
        "Histologically or cytologically confirmed pancreatic cancer, with imaging consistent "
        "with adenocarcinoma",
    ],
)
def test_an_or_that_joins_no_tumour_type_leaves_a_wrong_tumour_type_decisive(text: str) -> None:
    assert not _criterion(text).open_alternatives
    state, reason = _state_for(text, COLON)
    assert state is CriterionState.NOT_MET
    assert "PANCREAS" in reason and "rest is shown unread" in reason
    # the patient whose tumour type fits: the unread words still need a clinician
    assert _state_for(text, PANCREAS)[0] is CriterionState.NEEDS_REVIEW


@pytest.mark.parametrize(
    "text",
    [
        "Histologically confirmed pancreatic cancer or thymoma",
        "Pancreatic cancer, thymoma or other rare tumours of the mediastinum",
        "Either pancreatic cancer or a thymoma with documented progression",
    ],
)
def test_an_unread_tumour_type_in_an_or_list_keeps_the_item_open(text: str) -> None:
    assert _criterion(text).open_alternatives
    assert _state_for(text, COLON)[0] is CriterionState.NEEDS_REVIEW


# ---------------------------------------------------------------- branches by tumour type

BREAST = CancerCondition(oncotree_code="IDC", display="Invasive ductal carcinoma", stage="IV")
OXALIPLATIN = Treatment(
    category="medication", name="oxaliplatin", start="2024-04-02", end="2024-11-05"
)
CARBOPLATIN = Treatment(
    category="medication", name="carboplatin", start="2025-07-01", end="2025-09-10"
)
GEMCITABINE = Treatment(
    category="medication", name="gemcitabine", start="2025-04-14", end="2025-12-01"
)
NSCLC_OR_OTHERS = (  # NCT03745326 I8 (real)
    "Patients with non-small cell lung cancer (NSCLC) must have had appropriate targeted therapy "
    "as indicated by abnormalities in ALK, EGFR, or expression of PDL-1. Other patients must have "
    "had platinum-based chemotherapy."
)
COLORECTAL_OR_OTHERS = (
    "Patients with colorectal cancer must have received oxaliplatin; patients with other solid "
    "tumours must have received platinum-based chemotherapy."
)
LABELLED = (
    "Non-small cell lung cancer: recurrent or metastatic disease previously treated with "
    "platinum-based chemotherapy; ii. Pancreatic cancer: metastatic disease that has failed at "
    "least one prior systemic therapy"
)


def _branch_result(text: str, *facts: object) -> tuple[CriterionState, str]:
    trial = _trial(text)
    screening = Screening.of(record("PT-1", ADULT, *facts), TODAY)  # type: ignore[arg-type]
    match = match_trial(trial, screening)
    # the registry index ranks on the same states as the explained match
    assert match_all([trial], screening, detail=0)[0].verdict is match.verdict
    result = next(c for c in match.criteria if c.criterion_id == "I1")
    return result.state, result.reason


def test_the_other_branch_applies_when_no_named_tumour_type_fits() -> None:
    state, reason = _branch_result(NSCLC_OR_OTHERS, COLON, OXALIPLATIN)
    assert state is CriterionState.MET
    assert "branch for other tumour types" in reason and "oxaliplatin (2024-04-02" in reason
    anastrozole = Treatment(category="medication", name="anastrozole", start="2025-12-15")
    state, reason = _branch_result(NSCLC_OR_OTHERS, BREAST, anastrozole)
    assert state is CriterionState.NOT_MET and "platinum-based chemotherapy" in reason
    # no treatment history at all: not known
    assert _branch_result(NSCLC_OR_OTHERS, BREAST)[0] is CriterionState.UNKNOWN
    # the lung branch is not read ("appropriate targeted therapy"): a clinician decides
    state, reason = _branch_result(NSCLC_OR_OTHERS, LUNG, CARBOPLATIN)
    assert state is CriterionState.NEEDS_REVIEW
    assert "branch for non-small cell lung cancer applies" in reason


def test_the_named_branch_wins_over_the_other_branch() -> None:
    assert _branch_result(COLORECTAL_OR_OTHERS, COLON, OXALIPLATIN)[0] is CriterionState.MET
    # carboplatin satisfies the other branch, not the colorectal one
    state, reason = _branch_result(COLORECTAL_OR_OTHERS, COLON, CARBOPLATIN)
    assert state is CriterionState.NOT_MET and "branch for colorectal cancer" in reason
    assert _branch_result(COLORECTAL_OR_OTHERS, LUNG, CARBOPLATIN)[0] is CriterionState.MET
    assert _branch_result(COLORECTAL_OR_OTHERS, LUNG, GEMCITABINE)[0] is CriterionState.NOT_MET


def test_an_unknown_tumour_type_leaves_the_branch_open() -> None:
    state, reason = _branch_result(COLORECTAL_OR_OTHERS, CARBOPLATIN)
    assert state is CriterionState.UNKNOWN and "which branch applies is not known" in reason


def test_labelled_branches() -> None:
    pancreas = CancerCondition(
        oncotree_code="PAAD", display="Pancreatic adenocarcinoma", stage="IV"
    )
    with_other = f"{LABELLED}; iii. Other tumors: failed at least two prior systemic therapies"
    assert _branch_result(with_other, LUNG, CARBOPLATIN)[0] is CriterionState.MET
    assert _branch_result(with_other, LUNG, GEMCITABINE)[0] is CriterionState.NOT_MET
    # one line without progression recorded: not decided for the pancreatic branch
    assert _branch_result(with_other, pancreas, CARBOPLATIN)[0] is not CriterionState.NOT_MET
    # the other branch: one regimen only, so not two lines
    assert _branch_result(with_other, BREAST, CARBOPLATIN)[0] is CriterionState.NOT_MET
    # "A: …; B: …" without an "other" branch may list the only tumour types taken: for review
    assert not _criterion(LABELLED).constraints
    assert _branch_result(LABELLED, BREAST)[0] is CriterionState.NEEDS_REVIEW
    # "Patients with A must …; patients with B must …": the item asks nothing of a C patient
    state, reason = _branch_result(SUBJECTS, BREAST, CARBOPLATIN)
    assert state is CriterionState.MET and "applies only to patients with" in reason
    assert _branch_result(SUBJECTS, LUNG, GEMCITABINE)[0] is CriterionState.NOT_MET


SUBJECTS = (
    "Patients with non-small cell lung cancer must have received platinum-based chemotherapy. "
    "Patients with pancreatic cancer must have received gemcitabine."
)


def test_branches_on_something_other_than_tumour_type_stay_for_review() -> None:
    text = (
        "Patients with HIV infection must have a CD4 count above 350 cells/uL. Other patients "
        "must have had platinum-based chemotherapy."
    )
    assert not _criterion(text).constraints
    assert _branch_result(text, COLON, OXALIPLATIN)[0] is CriterionState.NEEDS_REVIEW


# ---------------------------------------------------------------- widened gene alternatives

G12D_KRAS = (  # NCT03745326 I1 (real)
    "Measurable (per RECIST v1.1 criteria), metastatic, or unresectable malignancy expressing "
    "G12D mutated KRAS as assessed by one of the following methods: RT-PCR on tumor tissue, tumor "
    "DNA sequencing, or any other CLIA-certified laboratory test on resected tissue. Patients "
    "shown to have tumors expressing G12D mutated NRAS and HRAS will also be eligible as these "
    "oncogenes share complete amino acid homology with G12D mutated KRAS for their first 80 "
    "N-terminal amino acids, completely encompassing the target epitope."
)
G12D_PARAPHRASE = (
    "Metastatic solid tumour harbouring a KRAS G12D mutation. Tumours harbouring G12D-mutant "
    "NRAS or HRAS are also eligible."
)


def _panel(gene: str, change: str | None) -> list[object]:
    """A tissue NGS panel covering the three RAS genes, with ``change`` found in ``gene``."""
    found: list[object] = [
        GeneTesting(test="Solid tumour tissue NGS panel", genes=("KRAS", "NRAS", "HRAS"))
    ]
    if change:
        found.append(SomaticVariant(genome_build="GRCh38", gene=gene, hgvs_p=change))
    return found


@pytest.mark.parametrize("text", [G12D_KRAS, G12D_PARAPHRASE])
def test_genes_a_permission_adds_are_alternatives_of_the_biomarker(text: str) -> None:
    criterion = _criterion(text)
    assert not criterion.has_exceptions and not criterion.partial, criterion.unread
    genes = {
        s.constraint.gene for s in criterion.constraints if s.constraint.type == "gene_alteration"
    }
    assert genes == {"KRAS", "NRAS", "HRAS"}
    measurable = ClinicalFinding(display="Measurable disease (RECIST 1.1)", present=True)
    for gene in ("KRAS", "NRAS", "HRAS"):
        facts = (COLON, measurable, *_panel(gene, "p.G12D"))
        assert _state_for_facts(text, *facts)[0] is CriterionState.MET, gene
    state, reason = _state_for_facts(text, COLON, measurable, *_panel("KRAS", "p.G12V"))
    assert state is CriterionState.NOT_MET
    assert "NRAS p.G12D: not found (NRAS examined by Solid tumour tissue NGS panel)" in reason


def test_a_permission_with_a_condition_of_its_own_still_only_loosens() -> None:
    text = (
        "Metastatic solid tumour harbouring a KRAS G12D mutation. Patients with NRAS G12D "
        "mutations are also eligible if they have received a prior MEK inhibitor."
    )
    criterion = _criterion(text)
    assert criterion.has_exceptions
    assert {
        s.constraint.gene for s in criterion.constraints if s.constraint.type == "gene_alteration"
    } == {"KRAS"}


def test_measurable_as_one_of_an_extent_list() -> None:
    text = "Measurable (per RECIST v1.1), metastatic, or unresectable solid tumour"
    (extent,) = [
        s.constraint for s in _criterion(text).constraints if s.constraint.type == "disease_extent"
    ]
    assert extent.extents[0] == "measurable"
    stage_ii = CancerCondition(oncotree_code="COAD", display="Colon adenocarcinoma", stage="II")
    assert _state_for_facts(text, stage_ii, MEASURABLE)[0] is CriterionState.MET
    assert _state_for_facts(text, stage_ii, NOT_MEASURABLE)[0] is not CriterionState.MET


def _state_for_facts(text: str, *facts: object) -> tuple[CriterionState, str]:
    screening = Screening.of(record("PT-1", ADULT, *facts), TODAY)  # type: ignore[arg-type]
    result = next(
        c for c in match_trial(_trial(text), screening).criteria if c.criterion_id == "I1"
    )
    return result.state, result.reason


# ---------------------------------------------------------------- named regimens


def _course(name: str, start: str, end: str) -> Treatment:
    return Treatment(category="medication", name=name, start=start, end=end)


FOLFIRINOX_GIVEN = [
    _course(n, "2025-02-03", "2025-07-28")
    for n in ("Oxaliplatin", "Irinotecan", "Fluorouracil", "Leucovorin")
]
FOLFOX_THEN_FOLFIRI = [
    _course("Oxaliplatin", "2024-04-02", "2024-11-05"),
    _course("Fluorouracil", "2024-04-02", "2024-11-05"),
    _course("Irinotecan", "2024-12-03", "2025-11-18"),
    _course("Fluorouracil", "2024-12-03", "2025-11-18"),
]
NALIRIFOX_GIVEN = [
    _course(n, "2025-02-03", "2025-07-28")
    for n in ("Irinotecan liposome", "Oxaliplatin", "Fluorouracil")
]
GEM_NAB = [_course(n, "2025-04-14", "2025-12-01") for n in ("Gemcitabine", "Nab-paclitaxel")]


def test_a_named_regimen_needs_its_components_started_together() -> None:
    text = "Must have received prior FOLFIRINOX."
    assert _state_for_facts(text, PANCREAS, *FOLFIRINOX_GIVEN)[0] is CriterionState.MET
    # oxaliplatin, irinotecan and fluorouracil, but in two regimens: not FOLFIRINOX
    state, reason = _state_for_facts(text, COLON, *FOLFOX_THEN_FOLFIRI)
    assert state is CriterionState.NOT_MET
    assert "no course of oxaliplatin + irinotecan + fluorouracil started together" in reason
    assert _state_for_facts("Prior FOLFOX", COLON, *FOLFOX_THEN_FOLFIRI)[0] is CriterionState.MET
    assert _state_for_facts("Prior CAPOX", COLON, *FOLFOX_THEN_FOLFIRI)[0] is CriterionState.NOT_MET


def test_regimen_alternatives_and_drug_based_regimens_form_one_any_of_group() -> None:
    text = (
        "Must have progressed on prior gemcitabine-based chemotherapy regimens or "
        "FOLFIRINOX/mFOLFIRINOX/NALIRIFOX treatment"
    )
    groups = {s.group for s in _criterion(text).constraints if s.constraint.type == "prior_therapy"}
    assert len(groups) == 1
    for given in (NALIRIFOX_GIVEN, FOLFIRINOX_GIVEN, GEM_NAB):
        # received; progression is not recorded here, so it stays open
        assert _state_for_facts(text, PANCREAS, *given)[0] is CriterionState.UNKNOWN
    assert _state_for_facts(text, COLON, *FOLFOX_THEN_FOLFIRI)[0] is CriterionState.NOT_MET
    read = "Must have received prior gemcitabine-based chemotherapy or FOLFIRINOX/NALIRIFOX"
    assert not _criterion(read).partial
    assert _state_for_facts(read, COLON, *FOLFOX_THEN_FOLFIRI)[0] is CriterionState.NOT_MET
    assert _state_for_facts(read, PANCREAS, *NALIRIFOX_GIVEN)[0] is CriterionState.MET


def test_a_plus_combination_and_the_definition_after_a_regimen_name() -> None:
    text = "Received gemcitabine + nab-paclitaxel as first treatment"
    (c,) = [
        s.constraint for s in _criterion(text).constraints if s.constraint.type == "prior_therapy"
    ]
    assert c.components == ("gemcitabine", "nab-paclitaxel")
    gemcitabine_alone = [_course("Gemcitabine", "2025-04-14", "2025-12-01")]
    assert (
        _state_for_facts("Prior gemcitabine + nab-paclitaxel", PANCREAS, *GEM_NAB)[0]
        is CriterionState.MET
    )
    assert (
        _state_for_facts("Prior gemcitabine + nab-paclitaxel", PANCREAS, *gemcitabine_alone)[0]
        is CriterionState.NOT_MET
    )
    defined = "Prior FOLFIRINOX (oxaliplatin + irinotecan + calcium folinate + 5-FU)"
    (regimen,) = [s.constraint for s in _criterion(defined).constraints]
    assert regimen.drug_class == "FOLFIRINOX" and not _criterion(defined).partial


def test_a_duration_the_reader_cannot_place_is_never_assumed() -> None:
    text = "Have received at least 3 cycles of FOLFIRINOX for metastatic PDAC"
    (c,) = [
        s.constraint for s in _criterion(text).constraints if s.constraint.type == "prior_therapy"
    ]
    assert c.timing_unread and c.duration_days is None
    assert _state_for_facts(text, PANCREAS, *FOLFIRINOX_GIVEN)[0] is not CriterionState.MET
    # never received: not met whatever the duration ("cycles" stays unread: review at worst)
    assert _state_for_facts(text, PANCREAS, *GEM_NAB)[0] is not CriterionState.MET
    # a chemotherapy class after a duration: likewise
    chemo = "Have received 4-6 months of first-line chemotherapy"
    (c,) = [
        s.constraint for s in _criterion(chemo).constraints if s.constraint.type == "prior_therapy"
    ]
    assert c.timing_unread


COHORT_A = (  # NCT06411691 I7 (real)
    "Cohort A: Have received 4-6 months of FOLFIRINOX or gemcitabine+nab-paclitaxel for the 1st "
    "line treatment of metastatic unresectable PDAC."
)
PANCREAS_METASTATIC = CancerCondition(
    oncotree_code="PAAD", display="Pancreatic ductal adenocarcinoma", stage="IV"
)


def test_a_cohort_by_regimen_duration_and_line() -> None:
    criterion = _criterion(COHORT_A)
    assert not criterion.partial, criterion.unread
    five_months = [
        _course(n, "2025-02-03", "2025-07-05") for n in ("Gemcitabine", "Nab-paclitaxel")
    ]
    state, reason = _state_for_facts(COHORT_A, PANCREAS_METASTATIC, *five_months)
    assert state is CriterionState.MET and "as the first regimen" in reason
    # 7.5 months (PANC-1's course): outside 4–6 months
    state, reason = _state_for_facts(COHORT_A, PANCREAS_METASTATIC, *GEM_NAB)
    assert state is CriterionState.NOT_MET and "did not last 122–183 days" in reason
    # 6.3 months: too close to the bound to call
    near = [_course(n, "2025-02-03", "2025-08-12") for n in ("Gemcitabine", "Nab-paclitaxel")]
    assert _state_for_facts(COHORT_A, PANCREAS_METASTATIC, *near)[0] is not CriterionState.NOT_MET
    # a second regimen: maybe first line for metastatic disease after adjuvant therapy
    earlier = _course("Capecitabine", "2024-01-10", "2024-06-30")
    state = _state_for_facts(COHORT_A, PANCREAS_METASTATIC, earlier, *five_months)[0]
    assert state is not CriterionState.MET and state is not CriterionState.NOT_MET


# ---------------------------------------------------------------- anchored on the diagnosis

BREAST_DX = CancerCondition(
    oncotree_code="IDC", display="Invasive ductal carcinoma", stage="IIA", onset="2025-09-12"
)
SURGERY = "Patients must have undergone adequate (definitive) breast surgery for the current malignancy."  # NCT02513394 I6
ENDOCRINE = (  # NCT02513394 E10 (real)
    "Patients who previously received endocrine therapy within 5 years prior to diagnosis of the "
    "current malignancy."
)


def _procedure(name: str, day: str) -> Treatment:
    return Treatment(category="procedure", name=name, start=day, end=day)


def _excluded(text: str, *facts: object) -> tuple[CriterionState, str]:
    listed = f"Inclusion Criteria:\n* Age 18 or older\nExclusion Criteria:\n* {text}"
    eligibility = Eligibility(
        criteria_text=listed, sex="ALL", minimum_age_years=18.0, maximum_age_years=None,
        minimum_age_text="18 Years", maximum_age_text=None, healthy_volunteers=False,
    )  # fmt: skip
    trial = TrialCriteria.of("NCT00000002", "v1", "synthetic", structure(eligibility))
    screening = Screening.of(record("PT-1", ADULT, *facts), TODAY)  # type: ignore[arg-type]
    result = next(c for c in match_trial(trial, screening).criteria if c.criterion_id == "E1")
    return result.state, result.reason


def test_surgery_for_the_current_malignancy_is_after_its_diagnosis() -> None:
    assert not _criterion(SURGERY).partial
    lumpectomy = _procedure("Lumpectomy of left breast", "2025-10-14")
    state, reason = _state_for_facts(SURGERY, BREAST_DX, lumpectomy)
    assert state is CriterionState.MET and "diagnosed 2025-09-12" in reason
    earlier = _procedure("Lumpectomy of right breast (fibroadenoma)", "2016-05-02")
    assert _state_for_facts(SURGERY, BREAST_DX, earlier)[0] is CriterionState.NOT_MET
    undated = CancerCondition(oncotree_code="IDC", display="Invasive ductal carcinoma")
    assert _state_for_facts(SURGERY, undated, lumpectomy)[0] is CriterionState.UNKNOWN


def test_endocrine_therapy_within_years_before_the_diagnosis() -> None:
    (c,) = [s.constraint for s in _criterion(ENDOCRINE).constraints]
    assert c.before_diagnosis_days == 5 * 365 and not c.timing_unread
    recent = Treatment(
        category="medication", name="tamoxifen", start="2019-01-10", end="2023-06-30"
    )
    state, reason = _excluded(ENDOCRINE, BREAST_DX, recent)
    assert state is CriterionState.MET and "within 5 years before" in reason
    long_ago = Treatment(
        category="medication", name="tamoxifen", start="2008-01-10", end="2013-01-10"
    )
    assert _excluded(ENDOCRINE, BREAST_DX, long_ago)[0] is CriterionState.NOT_MET
    after = Treatment(category="medication", name="anastrozole", start="2025-12-15")
    assert _excluded(ENDOCRINE, BREAST_DX, after)[0] is CriterionState.NOT_MET


# ---------------------------------------------------------------- brain metastases

NO_BRAIN_METS = ClinicalFinding(display="Brain metastasis (MRI brain)", present=False)
BRAIN_METS = CancerCondition(
    display="Secondary malignant neoplasm of brain", is_primary=False, body_site="Brain"
)
BRAIN_EXCLUSION = (
    "Untreated or active CNS metastases. Patients with treated brain metastases are eligible if "
    "they are radiographically stable for at least 4 weeks and do not require steroids."
)
E6_REAL = (  # NCT04956640 E6 (real)
    "For some parts of the study only: have untreated active central nervous system (CNS) "
    "metastases and/or leptomeningeal disease. Patients with treated CNS metastases are eligible "
    "for this study if their disease is asymptomatic, radiographically stable for at least 30 "
    "days, and they do not require treatment with steroids in the two-week period prior to study "
    "treatment. Patients with active CNS metastases are eligible for one part of the study."
)


@pytest.mark.parametrize("text", [BRAIN_EXCLUSION, E6_REAL])
def test_a_permission_with_its_own_conditions_only_narrows_a_brain_exclusion(text: str) -> None:
    criterion = next(c for c in _exclusion_trial(text).criteria if c.id == "E1")
    # the steroid condition belongs to the permission: not read as a part of the exclusion
    assert all(s.constraint.type == "brain_metastases" for s in criterion.constraints)
    assert criterion.has_exceptions
    assert _excluded(text, LUNG, NO_BRAIN_METS)[0] is CriterionState.NOT_MET
    # brain metastases recorded: whether they are treated and stable needs a clinician
    assert _excluded(text, LUNG, BRAIN_METS)[0] is not CriterionState.NOT_MET


def test_eligible_only_if_is_a_requirement_not_a_permission() -> None:
    from oncoboard.trials import scope

    text = "Measurable disease. Patients are eligible only if they have not received steroids."
    assert not scope.shape(text, "").loosened


def _exclusion_trial(text: str) -> TrialCriteria:
    listed = f"Inclusion Criteria:\n* Age 18 or older\nExclusion Criteria:\n* {text}"
    eligibility = Eligibility(
        criteria_text=listed, sex="ALL", minimum_age_years=18.0, maximum_age_years=None,
        minimum_age_text="18 Years", maximum_age_text=None, healthy_volunteers=False,
    )  # fmt: skip
    return TrialCriteria.of("NCT00000002", "v1", "synthetic", structure(eligibility))


# ---------------------------------------------------------------- known alterations

MEK = "Cancer that has a known MEK1/2 mutation."  # NCT05786924 E1 (real)


def test_an_exclusion_of_a_known_mutation_does_not_apply_when_none_is_known() -> None:
    genes = {s.constraint.gene for s in _exclusion_trial(MEK).criteria[-1].constraints}
    assert genes == {"MAP2K1", "MAP2K2"}
    state, reason = _excluded(MEK, COLON)
    assert state is CriterionState.NOT_MET and "none known" in reason
    k57n = SomaticVariant(genome_build="GRCh38", gene="MAP2K1", hgvs_p="p.K57N")
    assert _excluded(MEK, COLON, k57n)[0] is CriterionState.MET
    panel = GeneTesting(test="Tissue NGS", genes=("KRAS", "MAP2K1", "MAP2K2"))
    state, reason = _excluded(MEK, COLON, panel)
    assert state is CriterionState.NOT_MET and "MAP2K1 examined by Tissue NGS" in reason


def test_an_inclusion_asking_for_a_known_mutation_stays_open_when_untested() -> None:
    text = "Known KRAS G12C mutation"
    assert _state_for_facts(text, COLON)[0] is CriterionState.UNKNOWN
    (c,) = [s.constraint for s in _criterion(text).constraints]
    assert not c.known_only


# ---------------------------------------------------------------- progression after therapy

PROGRESSED = "Must have progressed on or been intolerant to prior gemcitabine-based chemotherapy or FOLFIRINOX."
PROGRESSION = ClinicalFinding(display="Disease progression (CT)", effective="2025-12-01")


def test_progression_after_a_named_therapy() -> None:
    therapies = [s.constraint for s in _criterion(PROGRESSED).constraints]
    assert (
        all(c.progressed for c in therapies)
        and len({s.group for s in _criterion(PROGRESSED).constraints}) == 1
    )
    assert not _criterion(PROGRESSED).partial, _criterion(PROGRESSED).unread
    state, reason = _state_for_facts(PROGRESSED, PANCREAS, *GEM_NAB, PROGRESSION)
    assert state is CriterionState.MET and "progression recorded after it" in reason
    # received, progression not recorded: intolerance or progression may be unrecorded
    state, reason = _state_for_facts(PROGRESSED, PANCREAS, *GEM_NAB)
    assert state is CriterionState.UNKNOWN and "not recorded" in reason
    # progression recorded before the therapy started does not count
    before = ClinicalFinding(display="Disease progression (CT)", effective="2025-01-10")
    assert _state_for_facts(PROGRESSED, PANCREAS, *GEM_NAB, before)[0] is CriterionState.UNKNOWN
    # never received either: not met, whatever the progression
    assert (
        _state_for_facts(PROGRESSED, COLON, *FOLFOX_THEN_FOLFIRI, PROGRESSION)[0]
        is CriterionState.NOT_MET
    )
    assert (
        _state_for_facts(PROGRESSED, PANCREAS, *FOLFIRINOX_GIVEN, PROGRESSION)[0]
        is CriterionState.MET
    )


def test_a_window_is_not_a_duration() -> None:
    text = "No radiotherapy within 4 weeks of enrolment or chemotherapy within 3 weeks"
    chemo = [
        s.constraint
        for s in _exclusion_trial(text).criteria[-1].constraints
        if s.constraint.type == "prior_therapy" and s.constraint.drug_class == "chemotherapy"
    ]
    assert chemo and not chemo[0].timing_unread


def test_progression_as_a_timing_is_not_progression_on_a_therapy() -> None:
    text = "Disease progression within 6 months of completing adjuvant chemotherapy"
    assert not any(
        s.constraint.progressed
        for s in _criterion(text).constraints
        if s.constraint.type == "prior_therapy"
    )
    on_or_after = "Must have progressed on or after prior platinum-based chemotherapy"
    (c,) = [s.constraint for s in _criterion(on_or_after).constraints]
    assert c.progressed and not _criterion(on_or_after).partial


def test_genes_in_a_permission_are_not_a_requirement_of_an_item_without_genes() -> None:
    text = "Histologically confirmed pancreatic cancer. Patients with KRAS G12V mutations are also eligible."
    criterion = _criterion(text)
    assert criterion.has_exceptions
    assert all(s.constraint.type != "gene_alteration" for s in criterion.constraints)


def test_a_course_recorded_under_a_regimen_name() -> None:
    folfox = [_course("mFOLFOX6", "2024-04-02", "2024-11-05")]
    assert _state_for_facts("Prior FOLFOX", COLON, *folfox)[0] is CriterionState.MET
    assert _state_for_facts("Prior FOLFIRINOX", COLON, *folfox)[0] is CriterionState.NOT_MET
    state, reason = _state_for_facts("Prior platinum-based chemotherapy", COLON, *folfox)
    assert state is CriterionState.MET and "mFOLFOX6" in reason


def test_meeting_cohort_specific_criteria_is_a_requirement_not_a_condition() -> None:
    text = (  # NCT04956640 I3 (real)
        "Participants must have a histological or a cytologically proven diagnosis of locally "
        "advanced, unresectable, and/or metastatic cancer and meet cohort-specific criteria."
    )
    criterion = _criterion(text)
    assert not criterion.conditional and criterion.partial
    early = CancerCondition(oncotree_code="IDC", display="Invasive ductal carcinoma", stage="IIA")
    resected = _procedure("Lumpectomy of left breast", "2025-10-14")
    assert _state_for_facts(text, early, resected)[0] is CriterionState.NOT_MET
    assert _state_for_facts(text, LUNG)[0] is CriterionState.NEEDS_REVIEW
