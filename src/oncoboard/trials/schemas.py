# SPDX-License-Identifier: Apache-2.0
"""Trial registry and screening contract: trials, criteria as typed constraints, match results."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

# the constraint types live in constraint_types; re-exported here for callers
from oncoboard.trials.constraint_types import (  # noqa: F401
    AgeConstraint,
    BiomarkerStatusConstraint,
    BrainMetastasesConstraint,
    CancerTypeConstraint,
    ConditionHistoryConstraint,
    Constraint,
    CurrentAntiretroviralConstraint,
    DiseaseExtentConstraint,
    DrugAllergyConstraint,
    EcogConstraint,
    Extent,
    GeneAlterationConstraint,
    InfectionConstraint,
    LabConstraint,
    MeasurableDiseaseConstraint,
    Op,
    PregnancyConstraint,
    PriorLinesConstraint,
    PriorMalignancyConstraint,
    PriorTherapyConstraint,
    RecentEventConstraint,
    SexConstraint,
    StageConstraint,
    SwallowingConstraint,
)

Section = Literal["inclusion", "exclusion"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# a constraint read from an eligibility item, with the span of the words it was read from
Found = tuple[int, int, Constraint]


class Structured(_Frozen):
    """One constraint with the words it was read from (``evidence``) and its OR-group;
    ``negated``: the words sit in a negation ("no prior …", "without …")."""

    constraint: Constraint
    evidence: str
    group: int = 0
    negated: bool = False
    # part of the subject clause of a conditional item ("Patients with metastatic CRC must …")
    subject: bool = False


# clinician_judgement: no record decides it (life expectancy, the investigator's opinion)
Category = Literal["clinical", "administrative", "clinician_judgement"]


class Criterion(_Frozen):
    """One eligibility item; ``start``/``end`` are offsets into the registry's criteria text
    (module fields such as ``minimumAge`` have none). No constraints: needs review."""

    id: str
    section: Section
    text: str
    source_field: str = "eligibilityCriteria"
    start: int | None = None
    end: int | None = None
    depth: int = 0
    constraints: tuple[Structured, ...] = ()
    # words beyond the structured parts remain (they may add requirements or alternatives)
    partial: bool = False
    # the leftover words carry an exception ("except", "unless"): never conclude against it
    has_exceptions: bool = False
    # leftover words name alternatives of the same kind ("NSCLC or mesothelioma"): a structured
    # part that does not hold is then not decisive
    open_alternatives: bool = False
    # the words no rule read, shown next to a decision taken on the structured part alone
    unread: str | None = None
    not_structured_because: str | None = None
    # administrative (consent, willingness, logistics): shown apart, never counted as undecided
    category: Category = "clinical"
    # applies to some patients only (a subject clause or a cohort): read narrowing only unless
    # the subject is known to fit; ``subject_partial``: the subject has words no rule read
    conditional: bool = False
    subject_partial: bool = False
    # alternatives that only widen a therapy or age requirement were read ("or similar agents",
    # "or are unwilling …"): such a requirement that does not hold is left for review
    widened: bool = False
    # the item defines one cohort ("Part 2A: advanced NSCLC with …"): its state says whether the
    # patient fits that cohort; the patient is excluded only when no cohort fits (``cohorts``)
    cohort: str | None = None
    # an exclusion whose unread words only narrow what was read ("uncontrolled", "requiring
    # intravenous therapy", ``narrowing``): not met when that does not hold, reviewed when it does
    narrowed: bool = False


# ---------------------------------------------------------------- registry


class Site(_Frozen):
    facility: str | None = None
    city: str | None = None
    country: str | None = None
    status: str | None = None


class Arm(_Frozen):
    label: str
    type: str | None = None
    interventions: tuple[str, ...] = ()


class Eligibility(_Frozen):
    criteria_text: str
    sex: Literal["ALL", "FEMALE", "MALE"]
    minimum_age_years: float | None
    maximum_age_years: float | None
    minimum_age_text: str | None
    maximum_age_text: str | None
    healthy_volunteers: bool | None


class TrialRecord(_Frozen):
    """One CT.gov study version as imported; ``version`` is its last-update submit date."""

    nct_id: str
    version: str
    content_sha256: str
    brief_title: str
    official_title: str | None = None
    overall_status: str | None = None
    phases: tuple[str, ...] = ()
    study_type: str | None = None
    conditions: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    arms: tuple[Arm, ...] = ()
    sites: tuple[Site, ...] = ()
    eligibility: Eligibility
    last_update_posted: str | None = None
    first_posted: str | None = None
    version_holder: str | None = None
    source_name: str
    locator: str


class TrialSummary(_Frozen):
    nct_id: str
    version: str
    brief_title: str
    overall_status: str | None
    phases: tuple[str, ...]
    conditions: tuple[str, ...]
    criteria_count: int
    structured_count: int
    imported_at: datetime


class TrialVersionInfo(_Frozen):
    version: str
    content_sha256: str
    source_name: str
    imported_at: datetime
    imported_by: str


class TrialDetail(_Frozen):
    trial: TrialRecord
    criteria: tuple[Criterion, ...]
    history: tuple[TrialVersionInfo, ...]
    imported_at: datetime


class TrialImportItem(_Frozen):
    nct_id: str
    version: str
    outcome: Literal["created", "updated", "unchanged"]
    previous_version: str | None = None


class TrialImportReport(_Frozen):
    source_name: str
    sha256: str
    items: tuple[TrialImportItem, ...]


class TrialList(_Frozen):
    items: tuple[TrialSummary, ...]
    total: int


# ---------------------------------------------------------------- matching


class CriterionState(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    NEEDS_REVIEW = "needs_review"


class Verdict(StrEnum):
    CANDIDATE = "candidate"
    NEEDS_REVIEW = "needs_review"
    EXCLUDED = "excluded"


class FactUsed(_Frozen):
    """A patient fact a criterion was judged on, with where it came from."""

    label: str
    fact_id: int | None = None
    kind: str
    source_name: str | None = None
    locator: str | None = None


class ConstraintResult(_Frozen):
    constraint_type: str
    holds: bool | None
    reason: str
    missing: str | None = None
    flags: tuple[str, ...] = ()
    facts: tuple[FactUsed, ...] = ()


class CriterionOverrideInfo(_Frozen):
    """A clinician's recorded decision replacing the reader's state for one criterion."""

    state: CriterionState
    reason: str
    decided_by: str
    decided_at: datetime
    reader_state: CriterionState


class CriterionResult(_Frozen):
    """For an exclusion criterion MET means it applies to the patient, so it excludes."""

    criterion_id: str
    section: Section
    text: str
    state: CriterionState
    reason: str
    excludes: bool
    results: tuple[ConstraintResult, ...] = ()
    flags: tuple[str, ...] = ()
    category: Category = "clinical"
    # the words beyond the structured part, shown when the structured part decided alone
    unread: str | None = None
    override: CriterionOverrideInfo | None = None
    # the cohort this item defines: not met = this cohort does not fit (it excludes alone never)
    cohort: str | None = None


class TrialMatch(_Frozen):
    nct_id: str
    version: str
    brief_title: str
    verdict: Verdict
    excluded_by: tuple[str, ...]
    met: int
    unknown: int
    needs_review: int
    criteria: tuple[CriterionResult, ...]
    # BM25 similarity of patient and trial text: orders trials of equal decided fit
    text_score: float | None = None
    # the cohorts whose definition the patient fits ("Part 1D"), when the trial has cohorts
    cohorts_fitting: tuple[str, ...] = ()


class PatientTrialMatches(_Frozen):
    patient_id: str
    matches: tuple[TrialMatch, ...]
    recommendation_ids: tuple[str, ...] = ()


class FeasibilityPatient(_Frozen):
    patient_id: str
    verdict: Verdict
    open_criteria: tuple[CriterionResult, ...]


class Feasibility(_Frozen):
    nct_id: str
    version: str
    screened: int
    possibly_eligible: tuple[FeasibilityPatient, ...]
