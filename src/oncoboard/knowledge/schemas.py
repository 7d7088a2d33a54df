# SPDX-License-Identifier: Apache-2.0
"""Knowledge-base contract: normalised assertions with their source's own level kept."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from oncoboard.knowledge.rules import AnyRule


class EvidenceClass(StrEnum):
    """One normalised evidence class per source level (``../shared/data/kb/crosswalk``)."""

    REGULATORY_APPROVAL = "REGULATORY_APPROVAL"
    GUIDELINE = "GUIDELINE"
    CLINICAL_STRONG = "CLINICAL_STRONG"
    CLINICAL_LIMITED = "CLINICAL_LIMITED"
    CASE_REPORT = "CASE_REPORT"
    PRECLINICAL = "PRECLINICAL"
    INFERENTIAL = "INFERENTIAL"
    # The crosswalk's own combined classes, for source levels that do not separate them
    # (CIViC A: label- or guideline-backed; CIViC B: clinical, study size not encoded).
    GUIDELINE_OR_APPROVAL = "GUIDELINE_OR_APPROVAL"
    CLINICAL_STRONG_OR_LIMITED = "CLINICAL_STRONG_OR_LIMITED"


Direction = Literal[
    "sensitivity",
    "resistance",
    "favorable_prognosis",
    "poor_prognosis",
    "diagnostic",
    # CIViC predictive significances that are neither response nor resistance; CGI
    # "Increased Toxicity" is an adverse response.
    "reduced_sensitivity",
    "adverse_response",
]


class Therapy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1)
    strategy: str | None = None
    therapy_type: str | None = None
    codes: tuple[str, ...] = Field(default=(), description="e.g. 'ncit:C60809'")


class Disease(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1)
    oncotree_code: str | None = None
    context: str | None = None
    codes: tuple[str, ...] = Field(
        default=(), description="the source's own disease codes, e.g. 'DOID:1909', 'cgi:CM'"
    )


class Reference(BaseModel):
    """A citable source: label section, guideline, publication, trial."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    citation: str = Field(min_length=1)
    pmid: str | None = Field(default=None, pattern=r"^[0-9]+$")
    doi: str | None = None
    url: str | None = None
    nct: str | None = Field(default=None, pattern=r"^NCT[0-9]{8}$")


class Assertion(BaseModel):
    """One biomarker → therapy/prognosis statement, normalised, with its raw source row."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    assertion_id: str = Field(description="stable, namespaced: '<source>:<source id>'")
    source: str
    source_level: str
    evidence_class: EvidenceClass
    direction: Direction
    supports: bool = Field(
        default=True,
        description="False: the evidence does NOT support the direction (CIViC 'Does Not "
        "Support', CGI 'No Responsive'); never an option for the patient",
    )
    rule: AnyRule
    therapy: Therapy | None = None
    disease: Disease
    references: tuple[Reference, ...] = Field(min_length=1)
    description: str | None = None
    last_updated: date | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class DroppedRow(BaseModel):
    """A source row not published, with the reason: import reports list every one."""

    model_config = ConfigDict(frozen=True)
    locator: str
    reason: str
    raw: str


class KbReleaseInfo(BaseModel):
    """An immutable, content-hashed release of one source."""

    model_config = ConfigDict(frozen=True)
    release_id: str = Field(description="'<source>@<release>', e.g. 'moalmanac@2025-12-26'")
    source: str
    release: str
    release_date: date | None
    sha256: str
    licence: str
    notice: str | None = Field(default=None, description="shown wherever its assertions appear")
    genome_build: str | None = None
    assertion_count: int
    dropped_count: int
    imported_at: datetime
    counts: dict[str, int] = Field(default_factory=dict)


# --- Store and service views (additive: knowledge/service.py, routes.py, cli.py) ---


class ReleaseProvenance(BaseModel):
    """Who imported a release, from which file, with which reader."""

    model_config = ConfigDict(frozen=True)
    file_name: str
    reader: str
    imported_by: str


class KbReleaseDetail(BaseModel):
    """A release with every row it did not publish and why (the import report)."""

    release: KbReleaseInfo
    provenance: ReleaseProvenance
    dropped: list[DroppedRow]


class PublishReport(BaseModel):
    """What ``kb import`` did: published a new release, or found the same bytes already there."""

    status: Literal["imported", "already imported"]
    release: KbReleaseInfo
    dropped: list[DroppedRow]
    seconds: float


class AssertionSummary(BaseModel):
    """One assertion in a diff, with its release's notice (shown wherever it appears)."""

    assertion_id: str
    rule_kind: str
    gene: str | None
    evidence_class: EvidenceClass
    source_level: str
    direction: Direction
    therapy: str | None
    disease: str
    notice: str | None


class ChangedAssertion(BaseModel):
    assertion_id: str
    fields: list[str] = Field(description="normalised fields that differ, e.g. 'therapy.name'")
    before: AssertionSummary
    after: AssertionSummary


class PatientChange(BaseModel):
    """How one patient's result for one assertion differs from release ``a`` to ``b``."""

    patient_id: str
    assertion_id: str
    change: Literal[
        "new option",
        "option lost",
        "tier changed",
        "therapy changed",
        "new resistance",
        "resistance lost",
        "new finding",
        "finding lost",
        "kind changed",
    ]
    therapy: str | None
    before: str | None = Field(description="bucket and tiers under release a; None: no match")
    after: str | None = Field(description="bucket and tiers under release b; None: no match")
    alteration: str = Field(description="what matched, e.g. 'BRAF p.V600E present'")


class PatientImpact(BaseModel):
    """Which patients' results would change under the new release (actionability engine)."""

    evaluated: bool
    note: str
    patients: list[str] = Field(default_factory=list)
    patients_evaluated: int = Field(default=0, description="patients the caller may see")
    changes: list[PatientChange] = Field(default_factory=list)


class KbDiff(BaseModel):
    """Release ``a`` → release ``b``: assertions added, removed and changed (by assertion id)."""

    a: KbReleaseInfo
    b: KbReleaseInfo
    added: list[AssertionSummary]
    removed: list[AssertionSummary]
    changed: list[ChangedAssertion]
    unchanged: int
    patients_affected: PatientImpact
