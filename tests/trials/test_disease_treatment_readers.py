# SPDX-License-Identifier: Apache-2.0
"""Round-3 disease and treatment readers on real CT.gov sentences and written variants: RAS-MAPK
pathway agents, cell or gene therapy, ongoing radiotherapy, major surgery in a window, G-CSF
before leukapheresis, "(including, …)" member lists, known brain metastases, leptomeningeal
disease, a resected primary as resectable disease."""

from __future__ import annotations

from datetime import date

import pytest

from oncoboard.record.schemas import (
    CancerCondition,
    ClinicalFinding,
    Demographics,
    Treatment,
)
from oncoboard.trials.constraints import structure
from oncoboard.trials.engine import Screening, TrialCriteria, match_trial
from oncoboard.trials.schemas import (
    BrainMetastasesConstraint,
    Criterion,
    CriterionState,
    Eligibility,
    PriorTherapyConstraint,
    RecentEventConstraint,
    TrialMatch,
)
from tests.trials.support import criteria_of, record

TODAY = date(2026, 1, 15)
ADULT = Demographics(sex="male", birth_date="1960-03-01")
LUNG = CancerCondition(oncotree_code="LUAD", display="Lung adenocarcinoma", stage="IV")
COLON = CancerCondition(oncotree_code="COAD", display="Adenocarcinoma of sigmoid colon", stage="IV")
BREAST = CancerCondition(oncotree_code="IDC", display="Invasive ductal carcinoma", stage="IV")


def _trial(text: str) -> TrialCriteria:
    eligibility = Eligibility(
        criteria_text=text, sex="ALL", minimum_age_years=18.0, maximum_age_years=None,
        minimum_age_text="18 Years", maximum_age_text=None, healthy_volunteers=False,
    )  # fmt: skip
    return TrialCriteria.of("NCT00000001", "v1", "synthetic", structure(eligibility))


def _exclusion(*items: str) -> TrialCriteria:
    listed = "\n".join(f"* {i}" for i in items)
    return _trial(f"Inclusion Criteria:\n* Age 18 or older\nExclusion Criteria:\n{listed}")


def _match(trial: TrialCriteria, *facts: object) -> TrialMatch:
    return match_trial(trial, Screening.of(record("PT-1", *facts), TODAY))  # type: ignore[arg-type]


def _state(match: TrialMatch, criterion_id: str) -> CriterionState:
    return next(c for c in match.criteria if c.criterion_id == criterion_id).state


def _item(text: str) -> Criterion:
    return next(c for c in _exclusion(text).criteria if c.id == "E1")


def _constraint(text: str) -> list[object]:
    return [s.constraint for s in _item(text).constraints]


def test_ras_mapk_pathway_agents_decide_only_never_received() -> None:
    text = "Prior use of experimental agents that target the KRAS/BRAF/MEK/ERK pathway."
    (c,) = _constraint(text)
    assert isinstance(c, PriorTherapyConstraint)
    assert c.drug_class == "RAS-MAPK pathway inhibitor" and not c.current
    assert {"sotorasib", "dabrafenib", "trametinib"} <= set(c.drugs) and c.investigational_only
    trial = _trial(f"Inclusion Criteria:\n* Age 18 or older\nExclusion Criteria:\n* {text}")
    chemo = Treatment(
        category="medication", name="carboplatin", start="2025-01-01", end="2025-03-01"
    )
    assert _state(_match(trial, ADULT, LUNG, chemo), "E1") is CriterionState.NOT_MET
    # an approved member received: whether it was "experimental" is not in the record
    dab = Treatment(category="medication", name="dabrafenib", start="2024-01-01", end="2024-06-01")
    m = _match(trial, ADULT, LUNG, dab)
    assert _state(m, "E1") is CriterionState.UNKNOWN and "investigational" in m.criteria[-1].reason


def test_cell_or_gene_therapy_and_ongoing_radiotherapy() -> None:
    (cell,) = _constraint(
        "Receipt of gene therapy or other cell therapies within the past 6 months"
    )
    assert isinstance(cell, PriorTherapyConstraint) and cell.drug_class == "cell or gene therapy"
    item = _item("Receipt of gene therapy or other cell therapies within the past 6 months")
    assert cell.within_days == 180 and not item.partial
    (rt,) = _constraint("Ongoing radiation therapy.")
    assert isinstance(rt, PriorTherapyConstraint) and rt.modality == "radiotherapy" and rt.current
    trial = _trial(
        "Inclusion Criteria:\n* Age 18 or older\nExclusion Criteria:\n* Ongoing radiation therapy."
    )
    ended = Treatment(
        category="radiotherapy",
        name="Whole-breast radiotherapy",
        start="2025-11-10",
        end="2025-12-05",
    )
    ongoing = Treatment(category="radiotherapy", name="Thoracic radiotherapy", start="2026-01-05")
    assert _state(_match(trial, ADULT, BREAST, ended), "E1") is CriterionState.NOT_MET
    assert _state(_match(trial, ADULT, LUNG, ongoing), "E1") is CriterionState.MET


def test_known_brain_metastases_and_leptomeningeal_disease() -> None:
    known = "Known history or evidence of brain metastases and/or leptomeningeal spread."
    active = "Leptomeningeal disease or active central nervous system (CNS) metastases."
    constraints = _constraint(known)
    assert all(isinstance(c, BrainMetastasesConstraint) and c.known for c in constraints)
    trial = _trial(
        f"Inclusion Criteria:\n* Age 18 or older\nExclusion Criteria:\n* {known}\n* {active}"
    )
    m = _match(trial, ADULT, COLON)  # no brain imaging, no CNS disease recorded
    assert (
        _state(m, "E1") is CriterionState.NOT_MET
        and "no known brain metastases" in m.criteria[-2].reason
    )
    assert _state(m, "E2") is CriterionState.UNKNOWN  # not "known": imaging is needed
    mri = ClinicalFinding(display="Brain metastasis (MRI brain)", present=False)
    assert _state(_match(trial, ADULT, LUNG, mri), "E2") is CriterionState.NOT_MET
    mets = CancerCondition(display="Secondary malignant neoplasm of brain", is_primary=False)
    assert _state(_match(trial, ADULT, LUNG, mets), "E1") is CriterionState.MET
    # brain metastases alone say nothing about leptomeningeal disease
    only = _trial(
        "Inclusion Criteria:\n* Age 18 or older\nExclusion Criteria:\n* Leptomeningeal disease"
    )
    assert _state(_match(only, ADULT, LUNG, mets), "E1") is CriterionState.UNKNOWN


def test_major_surgery_in_a_window_is_decided_only_by_no_operation_in_it() -> None:
    """Read once, as a recent event (read_screening), not again as a prior therapy."""
    (c,) = _constraint("Major surgery within 28 days prior to the first dose of study drug")
    assert isinstance(c, RecentEventConstraint)
    assert c.event == "major_surgery" and c.within_days == 28
    trial = _exclusion("Major surgery within 28 days prior to the first dose of study drug")
    old = Treatment(category="procedure", name="Radical prostatectomy", start="2014-04-02")
    assert _state(_match(trial, ADULT, LUNG, old), "E1") is CriterionState.NOT_MET
    # an operation in the window may or may not be major: a judgement, never "met"
    recent = Treatment(category="procedure", name="Port-a-cath insertion", start="2026-01-05")
    m = _match(trial, ADULT, LUNG, recent)
    assert _state(m, "E1") not in (CriterionState.MET, CriterionState.NOT_MET)
    assert "Port-a-cath" in m.criteria[-1].reason
    # "history of major surgery" without a window is not read
    assert _constraint("History of major surgery") == []


@pytest.mark.shared
def test_real_exclusions_of_the_held_development_trials() -> None:
    # "or planned during study" stays unread: the exclusion is shown for review
    surgery = criteria_of("NCT05786924")["E4"]
    assert surgery.partial and surgery.unread == "planned during"
    gcsf = criteria_of("NCT06898385")["E14"]  # G-CSF or GM-CSF within 2 weeks before leukapheresis
    assert not gcsf.partial and {s.constraint.type for s in gcsf.constraints} == {"prior_therapy"}
    immuno = criteria_of("NCT06411691")["E3"]  # (including, anti-PD-1, anti-PD-L1, … etc.)
    assert not immuno.partial


def test_a_resected_primary_without_distant_metastasis_is_not_unresectable() -> None:
    trial = _exclusion(
        "Locally advanced, unresectable, and/or metastatic cancer.",
        "Is a candidate for definitive surgical resection.",
    )
    early = CancerCondition(oncotree_code="IDC", display="Invasive ductal carcinoma", stage="IIA")
    lumpectomy = Treatment(
        category="procedure", name="Lumpectomy of left breast", start="2025-10-14"
    )
    m = _match(trial, ADULT, early, lumpectomy)
    assert _state(m, "E1") is CriterionState.NOT_MET
    assert "primary resected (Lumpectomy of left breast)" in m.criteria[-2].reason
    # already resected: whether a candidate for (further) resection now is not in the record
    assert _state(m, "E2") is CriterionState.UNKNOWN
    # a biopsy is not a resection
    biopsy = Treatment(
        category="procedure", name="Core needle biopsy of breast", start="2025-09-01"
    )
    assert _state(_match(trial, ADULT, early, biopsy), "E1") is CriterionState.UNKNOWN


def test_surgery_within_a_window_with_minor_procedures_excepted() -> None:
    text = (
        "Has had surgery within 28 days of dosing of investigational agent, excluding minor "
        "procedures (dental work, skin biopsy, etc.), celiac plexus block, and biliary stent "
        "placement."
    )
    item = _item(text)
    assert not item.partial and item.has_exceptions
    (c,) = [s.constraint for s in item.constraints]
    assert isinstance(c, PriorTherapyConstraint) and c.drug_class == "surgery"
    stent = Treatment(category="procedure", name="Biliary stent placement", start="2025-03-20")
    assert _state(_match(_exclusion(text), ADULT, COLON, stent), "E1") is CriterionState.NOT_MET
    # the stent 10 days ago may be the excepted procedure: never "met" from the structure alone
    recent = Treatment(category="procedure", name="Biliary stent placement", start="2026-01-05")
    assert _state(_match(_exclusion(text), ADULT, COLON, recent), "E1") is not CriterionState.MET
    # "after surgery" is a time anchor, not a surgery requirement
    assert _constraint("Recovered within 4 weeks after surgery") == []
