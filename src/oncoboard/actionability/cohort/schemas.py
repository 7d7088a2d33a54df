# SPDX-License-Identifier: Apache-2.0
"""Cohort screening contract: the query, each patient's matched assertions, and the counts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from oncoboard.knowledge.schemas import Direction, EvidenceClass

Bucket = Literal["option", "resistance", "other"]


class ScreenQuery(BaseModel):
    """Which assertions to screen for; none of drug/gene given: the whole knowledge base."""

    model_config = ConfigDict(frozen=True)
    drug: str | None = Field(
        default=None, max_length=128, description="a therapy, alone or in a combination"
    )
    gene: str | None = Field(default=None, max_length=64, description="HGNC symbol")
    alteration: str | None = Field(
        default=None,
        max_length=128,
        description="with gene: a protein change (V600E, p.Val600Glu) the patient's matched "
        "variant must carry, or text in the match (amplification, exon 19 deletion)",
    )
    tumor_type: str | None = Field(
        default=None, max_length=32, description="OncoTree code; its descendants are included"
    )
    releases: tuple[str, ...] = Field(default=(), description="KB release ids; none: all stored")
    gene_level: bool = Field(
        default=False, description="evaluate gene-level ('any mutation') rules (low specificity)"
    )

    def describe(self) -> str:
        """One line for the audit trail's object."""
        parts = [
            f"{name}={value}"
            for name, value in (
                ("drug", self.drug),
                ("gene", self.gene),
                ("alteration", self.alteration),
                ("tumor_type", self.tumor_type),
                ("kb", ",".join(self.releases)),
            )
            if value
        ]
        if self.gene_level:
            parts.append("gene_level")
        return " ".join(parts) or "whole knowledge base"


class ScreenMatch(BaseModel):
    """One assertion that matched one patient, tiered for that patient's tumour type."""

    model_config = ConfigDict(frozen=True)
    assertion_id: str
    release_id: str
    bucket: Bucket = Field(description="option (sensitivity), resistance, or other evidence")
    therapy: str | None
    direction: Direction
    gene: str | None
    alteration: str = Field(description="what matched, e.g. 'BRAF p.V600E present'")
    match_level: str | None
    source_level: str
    evidence_class: EvidenceClass
    amp: str = Field(description="AMP/ASCO/CAP 2017 tier and level")
    escat: str
    on_label: bool
    disease: str = Field(description="why the tumour type is on- or off-label")
    fact_ids: list[int]


class ScreenedPatient(BaseModel):
    model_config = ConfigDict(frozen=True)
    patient_id: str
    tumor_types: list[str]
    has_option: bool
    matches: list[ScreenMatch]


class ReleaseStamp(BaseModel):
    model_config = ConfigDict(frozen=True)
    release_id: str
    sha256: str
    notice: str | None


class ScreenResult(BaseModel):
    """Patients (research consent in force) with matching assertions, and how many were looked at."""

    query: ScreenQuery
    purpose: str
    releases: list[ReleaseStamp]
    assertions: int = Field(description="assertions the query selected")
    patients_screened: int = Field(description="patients with consent in the tumour-type filter")
    patients_matched: int
    patients_with_option: int
    not_evaluated: dict[str, int] = Field(
        description="selected assertions no patient can match, by reason (unsupported rule "
        "kind, gene-level rules off)"
    )
    patients_without: dict[str, int] = Field(
        description="screened patients lacking a kind of call (rules of that kind were not "
        "evaluated for them): variants, copy_number, fusion, biomarker"
    )
    patients: list[ScreenedPatient]
    seconds: float
