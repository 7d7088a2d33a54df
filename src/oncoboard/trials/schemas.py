# SPDX-License-Identifier: Apache-2.0
"""Trial registry and screening contract: trials, criteria as typed constraints, match results."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Section = Literal["inclusion", "exclusion"]
Op = Literal[">=", ">", "<=", "<"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------- constraints (discriminated)


class AgeConstraint(_Frozen):
    type: Literal["age"] = "age"
    min_years: float | None = None
    min_inclusive: bool = True
    max_years: float | None = None
    max_inclusive: bool = True


class SexConstraint(_Frozen):
    type: Literal["sex"] = "sex"
    sex: Literal["female", "male"]


class CancerTypeConstraint(_Frozen):
    """Any of the OncoTree codes (a patient's narrower type is covered), or any solid tumour."""

    type: Literal["cancer_type"] = "cancer_type"
    oncotree_codes: tuple[str, ...] = ()
    any_solid_tumour: bool = False
    label: str


class StageConstraint(_Frozen):
    type: Literal["stage"] = "stage"
    stages: tuple[Literal["0", "I", "II", "III", "IV"], ...]


class GeneAlterationConstraint(_Frozen):
    """A gene alteration; ``protein_changes`` any-of (canonical ``p.G12C``); ``wild_type`` none."""

    type: Literal["gene_alteration"] = "gene_alteration"
    gene: str
    alteration: Literal["mutation", "amplification", "fusion", "wild_type"]
    protein_changes: tuple[str, ...] = ()
    excluded_changes: tuple[str, ...] = ()


class BiomarkerStatusConstraint(_Frozen):
    """A measured marker: MSI-H, dMMR/pMMR, TMB-high, or an IHC status such as ER+ / HER2-."""

    type: Literal["biomarker_status"] = "biomarker_status"
    marker: Literal["MSI", "MMR", "TMB", "ER", "PR", "HER2"]
    status: Literal["high", "stable", "deficient", "proficient", "positive", "negative"]
    threshold: float | None = None


class EcogConstraint(_Frozen):
    type: Literal["ecog"] = "ecog"
    allowed: tuple[int, ...]


class PriorTherapyConstraint(_Frozen):
    """Received a drug class; ``negated`` for "no prior …" in an inclusion criterion."""

    type: Literal["prior_therapy"] = "prior_therapy"
    drug_class: str
    drugs: tuple[str, ...]
    negated: bool = False


class PriorLinesConstraint(_Frozen):
    type: Literal["prior_lines"] = "prior_lines"
    min_lines: int | None = None
    max_lines: int | None = None


class LabConstraint(_Frozen):
    """A threshold in a canonical unit (counts 10^9/L, haemoglobin g/dL, CrCl mL/min, × ULN)."""

    type: Literal["lab"] = "lab"
    analyte: Literal[
        "anc", "platelets", "hemoglobin", "wbc", "lymphocytes", "creatinine_clearance",
        "creatinine", "bilirubin", "alt", "ast",
    ]  # fmt: skip
    op: Op
    value: float
    unit: Literal["10^9/L", "g/dL", "mL/min", "mg/dL", "x ULN"]
    as_written: str


class BrainMetastasesConstraint(_Frozen):
    type: Literal["brain_metastases"] = "brain_metastases"
    qualifier: Literal["any", "active", "untreated", "symptomatic"]


class PregnancyConstraint(_Frozen):
    type: Literal["pregnancy"] = "pregnancy"


Constraint = Annotated[
    AgeConstraint
    | SexConstraint
    | CancerTypeConstraint
    | StageConstraint
    | GeneAlterationConstraint
    | BiomarkerStatusConstraint
    | EcogConstraint
    | PriorTherapyConstraint
    | PriorLinesConstraint
    | LabConstraint
    | BrainMetastasesConstraint
    | PregnancyConstraint,
    Field(discriminator="type"),
]
# a constraint read from an eligibility item, with the span of the words it was read from
Found = tuple[int, int, Constraint]


class Structured(_Frozen):
    """One constraint with the words it was read from (``evidence``) and its OR-group."""

    constraint: Constraint
    evidence: str
    group: int = 0


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
    not_structured_because: str | None = None


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
