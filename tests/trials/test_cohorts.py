# SPDX-License-Identifier: Apache-2.0
"""Cohort definitions ("Part 1B: Advanced/metastatic GI tumors … with KRAS … mutations"): each
is decided as "fits / does not fit", a trial excludes only when no cohort fits, the fitting cohort
is named; plus the round-3 disease and treatment readers (gene lists, "non-X solid tumours",
RAS-MAPK pathway agents, cell or gene therapy, ongoing radiotherapy, known brain metastases,
leptomeningeal disease)."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from oncoboard.record.schemas import (
    CancerCondition,
    Demographics,
    GeneTesting,
    SomaticVariant,
)
from oncoboard.trials import compact
from oncoboard.trials.constraints import structure
from oncoboard.trials.engine import Screening, TrialCriteria, explain, match_trial
from oncoboard.trials.index import ScreenIndex
from oncoboard.trials.models import CriterionOverrideRow
from oncoboard.trials.overrides import apply
from oncoboard.trials.schemas import (
    CancerTypeConstraint,
    Criterion,
    CriterionState,
    Eligibility,
    GeneAlterationConstraint,
    TrialMatch,
    Verdict,
)
from tests.trials.support import criteria_of, record

TODAY = date(2026, 1, 15)
ADULT = Demographics(sex="male", birth_date="1960-03-01")
PANEL = GeneTesting(test="tissue NGS", genes=("KRAS", "NRAS", "HRAS", "BRAF", "RAF1", "TP53"))
LUNG = CancerCondition(oncotree_code="LUAD", display="Lung adenocarcinoma", stage="IV")
COLON = CancerCondition(oncotree_code="COAD", display="Adenocarcinoma of sigmoid colon", stage="IV")
BREAST = CancerCondition(oncotree_code="IDC", display="Invasive ductal carcinoma", stage="IV")
G12C = SomaticVariant(genome_build="GRCh38", gene="KRAS", hgvs_p="p.G12C")
G12D = SomaticVariant(genome_build="GRCh38", gene="KRAS", hgvs_p="p.G12D")
COHORTS = (
    "Inclusion Criteria:\n* Age 18 or older\n"
    "* Cohort A: Metastatic NSCLC with a KRAS G12C mutation\n"
    "* Cohort B: Metastatic colorectal cancer with KRAS, NRAS, or BRAF mutations\n"
    "Exclusion Criteria:\n* Pregnant women"
)


def _trial(text: str, nct_id: str = "NCT00000001") -> TrialCriteria:
    eligibility = Eligibility(
        criteria_text=text, sex="ALL", minimum_age_years=18.0, maximum_age_years=None,
        minimum_age_text="18 Years", maximum_age_text=None, healthy_volunteers=False,
    )  # fmt: skip
    return TrialCriteria.of(nct_id, "v1", "synthetic", structure(eligibility))


def _match(trial: TrialCriteria, *facts: object) -> TrialMatch:
    return match_trial(trial, Screening.of(record("PT-1", *facts), TODAY))  # type: ignore[arg-type]


def _state(match: TrialMatch, criterion_id: str) -> CriterionState:
    return next(c for c in match.criteria if c.criterion_id == criterion_id).state


def _item(text: str, section: str = "Inclusion") -> Criterion:
    other = "Exclusion" if section == "Inclusion" else "Inclusion"
    body = f"{section} Criteria:\n* {text}\n{other} Criteria:\n* Pregnant women"
    wanted = "I1" if section == "Inclusion" else "E1"
    return next(c for c in _trial(body).criteria if c.id == wanted)


# ------------------------------------------------------------------ reading cohort definitions


@pytest.mark.shared
def test_real_cohort_items_are_read_as_definitions_with_their_label() -> None:
    criteria = criteria_of("NCT05786924")
    gi = criteria["I6"]  # Part 1B: Advanced/metastatic GI tumors (e.g., PDAC, CRC, and BTC) …
    assert gi.cohort == "Part 1B" and not gi.conditional and not gi.partial
    kinds = {s.constraint.type for s in gi.constraints}
    assert kinds == {"disease_extent", "cancer_type", "gene_alteration"}
    genes = {s.constraint.gene for s in gi.constraints if s.constraint.type == "gene_alteration"}
    assert genes == {"KRAS", "HRAS", "NRAS", "BRAF", "RAF1"}  # CRAF is RAF1
    # the examples in "(e.g., …)" are not the list: the type read is the GI group
    (tumour,) = [s.constraint for s in gi.constraints if s.constraint.type == "cancer_type"]
    assert isinstance(tumour, CancerTypeConstraint) and "STOMACH" in tumour.oncotree_codes
    other = criteria["I9"]  # Part 1E: Other … non-GI, non-NSCLC solid tumors …
    (solid,) = [s.constraint for s in other.constraints if s.constraint.type == "cancer_type"]
    assert isinstance(solid, CancerTypeConstraint) and solid.any_solid_tumour
    assert {"NSCLC", "BOWEL", "PANCREAS"} <= set(solid.excluded_codes)


def test_cohort_labels_in_their_written_forms() -> None:
    for text, label in (
        ("Cohort B: Metastatic colorectal cancer with KRAS, NRAS, or BRAF mutations", "Cohort B"),
        ("ARM 2: Metastatic NSCLC with a KRAS G12C mutation", "Arm 2"),
        ("Part 2A1: Advanced/metastatic NSCLC with KRAS non-G12C mutations", "Part 2A1"),
        ("Cohort 1 (dose expansion): Metastatic NSCLC with a KRAS G12C mutation", "Cohort 1"),
    ):
        criterion = _item(text)
        assert criterion.cohort == label, text
    # an exclusion item with a part label is a condition on that part, not a definition
    assert _item("Part A: prior sotorasib", "Exclusion").cohort is None
    # a condition on some cohorts, not one cohort's definition
    for text in ("Part 2 only: prior sotorasib", "Cohorts A and B: Metastatic NSCLC"):
        assert _item(text).cohort is None, text
    # "For some parts of the study, …" names no cohort: read narrowing-only, as before
    unnamed = _item("For some parts of the study, Stage IV NSCLC")
    assert unnamed.cohort is None and unnamed.conditional


def test_gene_lists_share_one_event_word() -> None:
    criterion = _item("Part 1A: NSCLC with KRAS non-G12C, HRAS, NRAS, BRAF or CRAF (RAF1) "
                      "mutations or alterations")  # fmt: skip
    genes = [s.constraint for s in criterion.constraints if s.constraint.type == "gene_alteration"]
    assert [g.gene for g in genes] == ["KRAS", "HRAS", "NRAS", "BRAF", "RAF1"]
    assert all(isinstance(g, GeneAlterationConstraint) and g.alteration == "any" for g in genes)
    assert genes[0].excluded_changes == ("p.G12C",)
    assert (
        len({s.group for s in criterion.constraints if s.constraint.type == "gene_alteration"}) == 1
    )
    plain = _item("Tumour with KRAS, NRAS, or BRAF mutations")
    kinds = {(s.constraint.gene, s.constraint.alteration) for s in plain.constraints}
    assert kinds == {("KRAS", "mutation"), ("NRAS", "mutation"), ("BRAF", "mutation")}


def test_a_non_type_the_vocabulary_does_not_know_leaves_solid_tumours_unread() -> None:
    criterion = _item("Part C: Advanced non-thymic solid tumors with KRAS mutations")
    types = [s.constraint for s in criterion.constraints if s.constraint.type == "cancer_type"]
    assert types == []  # never "any solid tumour" with a carve-out silently dropped


# ------------------------------------------------------------------ deciding cohorts


def test_patient_fitting_one_cohort_is_eligible_through_it() -> None:
    m = _match(_trial(COHORTS), ADULT, LUNG, G12C, PANEL)
    assert _state(m, "I2") is CriterionState.MET and _state(m, "I3") is CriterionState.NOT_MET
    assert m.cohorts_fitting == ("Cohort A",) and m.excluded_by == ()
    not_fitting = next(c for c in m.criteria if c.criterion_id == "I3")
    assert not not_fitting.excludes and not_fitting.cohort == "Cohort B"
    assert not_fitting.reason.startswith("does not fit Cohort B (other cohorts may fit)")
    assert "colorectal" in not_fitting.reason.lower()  # names the fact that decided it
    fits = next(c for c in m.criteria if c.criterion_id == "I2")
    assert fits.reason.startswith("fits Cohort A:") and "KRAS p.G12C" in fits.reason


def test_patient_fitting_no_cohort_is_excluded_by_all_cohort_items() -> None:
    m = _match(_trial(COHORTS), ADULT, BREAST, PANEL)
    assert m.verdict is Verdict.EXCLUDED
    assert m.excluded_by == ("I2", "I3") and m.cohorts_fitting == ()


def test_an_undecided_cohort_keeps_the_trial_open() -> None:
    # a colorectal patient without sequencing: cohort B is unknown, cohort A does not fit
    m = _match(_trial(COHORTS), ADULT, COLON)
    assert _state(m, "I2") is CriterionState.NOT_MET
    assert _state(m, "I3") is CriterionState.UNKNOWN
    assert m.verdict is Verdict.NEEDS_REVIEW and m.excluded_by == ()


def test_other_cohorts_do_not_hold_a_fitting_trial_open() -> None:
    text = COHORTS.replace(
        "* Age 18", "* Cohort C: Metastatic pancreatic cancer after FOLFIRINOX\n* Age 18"
    )
    m = _match(_trial(text), ADULT, COLON, G12D, PANEL)
    assert m.cohorts_fitting == ("Cohort B",)
    assert m.unknown == 0 and m.verdict is not Verdict.EXCLUDED


@pytest.mark.shared
def test_real_multi_cohort_trial_names_the_cohorts_a_lung_patient_fits() -> None:
    trial = TrialCriteria.of("NCT05786924", "v", "t", tuple(criteria_of("NCT05786924").values()))
    m = _match(trial, ADULT, LUNG, G12C, PANEL)
    assert "Part 2A4" in m.cohorts_fitting  # NSCLC with a KRAS G12C mutation
    assert not {"I5", "I6", "I7", "I8", "I10", "I11", "I12"} & set(m.excluded_by)
    assert _state(m, "I5") is CriterionState.NOT_MET  # Part 1A: KRAS non-G12C …
    colon = _match(trial, ADULT, COLON, G12D, PANEL)
    assert {"Part 1B", "Part 1D"} <= set(colon.cohorts_fitting)


def test_index_and_stored_payload_rank_cohort_trials_like_the_full_evaluation() -> None:
    open_cohort = COHORTS.replace("* Age 18", "* Part Z: a rule-less cohort text\n* Age 18")
    judged = COHORTS.replace("* Age 18", "* Part C: Life expectancy of at least 12 weeks\n* Age 18")
    admin = COHORTS.replace(
        "* Age 18", "* Part D: Able to provide written informed consent\n* Age 18"
    )
    trials = [
        _trial(COHORTS, "NCT00000001"), _trial(open_cohort, "NCT00000002"),
        _trial(judged, "NCT00000003"), _trial(admin, "NCT00000004"),
    ]  # fmt: skip
    payloads = [json.loads(json.dumps(compact.encode(t.criteria))) for t in trials]
    index = ScreenIndex([t.head() for t in trials], [compact.decode(p) for p in payloads])  # type: ignore[misc]
    seen = set()
    for facts in ((LUNG, G12C, PANEL), (BREAST, PANEL), (COLON,), (COLON, G12D, PANEL)):
        screening = Screening.of(record("PT-1", ADULT, *facts), TODAY)  # type: ignore[arg-type]
        full = {t.nct_id: match_trial(t, screening) for t in trials}
        fast = explain(index, screening, 0, lambda positions: [])
        for quick in fast:
            m = full[quick.nct_id]
            summary = (m.verdict, m.excluded_by, m.met, m.unknown, m.needs_review)
            assert (quick.verdict, quick.excluded_by, quick.met, quick.unknown,
                    quick.needs_review) == summary  # fmt: skip
            seen.add((m.nct_id, m.verdict))
    # the breast patient fits no read cohort: excluded, unless one cohort is unread; an
    # administrative item under a cohort label is no cohort
    assert ("NCT00000001", Verdict.EXCLUDED) in seen
    assert ("NCT00000002", Verdict.EXCLUDED) not in seen
    assert ("NCT00000003", Verdict.EXCLUDED) not in seen  # "Part C: life expectancy …"
    assert ("NCT00000004", Verdict.EXCLUDED) in seen  # "Part D: … informed consent"


def test_a_clinician_decision_on_one_cohort_does_not_exclude_alone() -> None:
    m = _match(_trial(COHORTS), ADULT, LUNG, G12C, PANEL)
    row = CriterionOverrideRow(
        patient_id="PT-1", nct_id="NCT00000001", criterion_id="I2", trial_version="v1",
        state="not_met", reason="G12C result from an unvalidated assay", decided_by="dr",
        decided_at=datetime(2026, 1, 15), reader_state="met",
    )  # fmt: skip
    (after,) = apply([m], {("NCT00000001", "I2"): row})
    assert after.excluded_by == ("I2", "I3")  # now no cohort fits
    assert after.verdict is Verdict.EXCLUDED and after.cohorts_fitting == ()
    assert not any(c.excludes for c in after.criteria if c.cohort)


def test_an_or_inside_a_read_gene_list_opens_no_tumour_alternative() -> None:
    text = (
        "Part 2B3: Advanced/metastatic BTC (adenocarcinoma) with KRAS, HRAS, NRAS, BRAF, "
        "and/or CRAF (RAF1) mutations or alterations"
    )
    item = _item(text)
    assert item.partial and item.unread == "adenocarcinoma" and not item.open_alternatives
    trial = _trial(f"Inclusion Criteria:\n* {text}\nExclusion Criteria:\n* Pregnant women")
    assert _state(_match(trial, ADULT, LUNG, G12C, PANEL), "I1") is CriterionState.NOT_MET
    # a biliary patient: the unread histology may narrow the cohort, so it is not "fits"
    btc = CancerCondition(oncotree_code="CHOL", display="Cholangiocarcinoma", stage="IV")
    kras = SomaticVariant(genome_build="GRCh38", gene="KRAS", hgvs_p="p.G12D")
    undecided = (CriterionState.NEEDS_REVIEW, CriterionState.UNKNOWN)
    assert _state(_match(trial, ADULT, btc, kras, PANEL), "I1") in undecided
    # an unread tumour type joined by "or" still keeps the criterion open
    assert _item("Metastatic NSCLC, mesothelioma, or thymic carcinoma").open_alternatives
