# SPDX-License-Identifier: Apache-2.0
"""The contract of federated research: a cohort query, a site's answer, the coordinator's view."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from oncoboard.record.genomics import GenomeBuild

Sex = Literal["female", "male", "other"]
Granularity = Literal["boolean", "count"]
EntryType = Literal["individuals", "g_variants"]
SiteStatus = Literal["answered", "timed_out", "refused", "error"]
Age = Annotated[int, Field(ge=0, le=150)]
SiteName = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]


class TumourType(BaseModel):
    """An OncoTree code, with its descendants unless the filter says otherwise."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    descendants: bool = True


class VariantCriterion(BaseModel):
    """A recorded variant: by gene (and protein change), or by genomic allele on one build.

    ``pos`` is 1-based as in VCF; Beacon's 0-based ``start`` is converted at the edge."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    gene: str | None = None
    protein: str | None = None  # canonical short form, p.V600E
    genome_build: GenomeBuild | None = None
    chrom: str | None = None
    pos: int | None = Field(default=None, ge=1)
    ref: str | None = None
    alt: str | None = None

    def describe(self) -> str:
        if self.pos is not None:
            allele = f"{self.ref or 'N'}>{self.alt or 'N'}"
            return f"{self.genome_build} {self.chrom}:{self.pos} {allele}"
        return " ".join(part for part in (self.gene, self.protein) if part)


class CohortQuery(BaseModel):
    """Who to count; every criterion must hold (Beacon filters are joined by AND)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    tumor_types: tuple[TumourType, ...] = ()
    sex: Sex | None = None
    age_min: Age | None = None
    age_max: Age | None = None
    treatment_classes: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    variant: VariantCriterion | None = None

    def key(self) -> str:
        """SHA-256 of the canonical query: equal for every spelling of the same question."""
        text = json.dumps(self.model_dump(mode="json", exclude_none=True), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def describe(self) -> str:
        parts = [
            f"oncotree:{t.code}{'' if t.descendants else ' (exact)'}" for t in self.tumor_types
        ]
        if self.sex:
            parts.append(f"sex:{self.sex}")
        if self.age_min is not None or self.age_max is not None:
            parts.append(
                f"age {self.age_min if self.age_min is not None else 0}-"
                f"{self.age_max if self.age_max is not None else ''}"
            )
        parts += [f"treatment:{c}" for c in self.treatment_classes]
        parts += [f"stage:{s}" for s in self.stages]
        if self.variant:
            parts.append(f"variant {self.variant.describe()}")
        return "; ".join(parts) or "all individuals"


class BudgetState(BaseModel):
    """A researcher's differential-privacy budget at one site."""

    model_config = ConfigDict(frozen=True)
    researcher: str
    epsilon_per_query: float
    epsilon_budget: float
    spent: float
    remaining: float
    window_days: int


class CountAnswer(BaseModel):
    """What a site releases for one query: never an exact count below its threshold."""

    model_config = ConfigDict(frozen=True)
    entry_type: EntryType
    exists: bool
    granularity: Granularity
    count: int | None = None  # exact, or noisy when ``noisy``
    low: int
    high: int | None  # None: unbounded (a boolean answer says only "at least one")
    exact: bool
    noisy: bool = False
    reason: str | None = None
    epsilon: float | None = None
    error95: int | None = None  # half-width of the 95 % interval of the noise
    budget: BudgetState | None = None
    min_count: int

    def label(self) -> str:
        if self.low == self.high == 0:
            return "0" if self.exact else "none"
        if self.exact and self.count is not None:
            return str(self.count)
        if self.noisy and self.count is not None and self.count >= self.min_count:
            return f"≈{self.count} (±{self.error95}, ε={self.epsilon:g})"
        if self.high is None:
            return f"at least {self.low}"
        return f"{self.low}–{self.high}"


class SitePolicy(BaseModel):
    model_config = ConfigDict(frozen=True)
    site_name: str = Field(min_length=1, max_length=128)
    # Beacon v2 asks for reverse domain name notation (e.g. org.example.beacon)
    beacon_id: str = Field(pattern=r"^[A-Za-z0-9-]+(\.[A-Za-z0-9_-]+)+$", max_length=128)
    min_count: int = Field(default=5, ge=2, le=100)
    dp_enabled: bool = False
    epsilon_per_query: float = Field(default=0.5, gt=0, le=10)
    epsilon_budget: float = Field(default=5.0, gt=0, le=1000)
    budget_window_days: int = Field(default=365, ge=1, le=3650)
    updated_at: datetime | None = None
    updated_by: str | None = None


class CatalogueCount(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    name: str
    low: int
    high: int
    label: str


class Catalogue(BaseModel):
    """What a site holds, coarsely: counts rounded and small ones suppressed."""

    model_config = ConfigDict(frozen=True)
    site_name: str
    beacon_id: str
    individuals: CatalogueCount
    tumour_types: list[CatalogueCount]
    data_types: list[str]
    genome_builds: list[str]
    last_update: datetime | None
    rounding: int


class SiteOut(BaseModel):
    """A registered site as the coordinator lists it (never its key)."""

    model_config = ConfigDict(frozen=True)
    name: str
    base_url: str
    key_id: str
    site_key_fingerprint: str
    timeout_s: float
    retries: int
    added_at: datetime
    added_by: str
    last_checked_at: datetime | None = None
    last_status: str | None = None
    last_error: str | None = None
    catalogue: Catalogue | None = None


class SiteResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    site: str
    status: SiteStatus
    answer: CountAnswer | None = None
    detail: str | None = None
    attempts: int
    seconds: float


class FederatedResult(BaseModel):
    """Per-site answers and the total over the sites that answered."""

    model_config = ConfigDict(frozen=True)
    query: CohortQuery
    description: str
    entry_type: EntryType
    granularity: Granularity
    sites: list[SiteResult]
    asked: int
    answered: int
    total_low: int
    total_high: int | None
    total_exact: bool
    total_noisy: bool
    exists: bool
    seconds: float

    def total_label(self) -> str:
        if self.total_exact:
            return str(self.total_low)
        if self.total_high is None:
            return f"at least {self.total_low}"
        if self.total_low == self.total_high:
            return f"≈{self.total_low}" if self.total_noisy else str(self.total_low)
        return f"{self.total_low}–{self.total_high}"
