# SPDX-License-Identifier: Apache-2.0
"""The tumour-board report contract: one patient × the selected KB releases, every list sorted.

Only ``generated_at`` depends on when the report was made; everything else is a function of
the record and the KB releases, so two runs give byte-identical JSON apart from that field.
Store-specific values (fact ids, import ids, import times, recommendation ids) are left out.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Format = Literal["html", "pdf", "json", "fhir"]
TIME_FIELD = "generated_at"
NONE_KNOWN = "none known"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReportRelease(_Frozen):
    """A KB release the report consulted, with what must be shown wherever its data appears."""

    release_id: str
    source: str
    release: str
    release_date: date | None
    sha256: str
    licence: str
    notice: str | None
    genome_build: str | None = Field(description="coordinates of its genomic rules, if any")
    assertion_count: int


class TumorType(_Frozen):
    code: str | None = Field(description="OncoTree code, or null: never guessed")
    name: str | None
    note: str = Field(description="where the code comes from, or why there is none")


class ReportPatient(_Frozen):
    patient_id: str
    name: str | None
    tumor_type: TumorType
    genome_builds: list[str]


class FactRef(_Frozen):
    """A patient fact a finding rests on, with the file and record it came from."""

    label: str
    kind: str
    source_name: str
    source_sha256: str
    locator: str
    match: str | None = Field(default=None, description="how it matched, e.g. 'protein change'")
    gene: str | None = None
    genome_build: str | None = None
    chrom: str | None = None
    pos: int | None = None
    ref: str | None = None
    alt: str | None = None
    transcript: str | None = None
    hgvs_c: str | None = None
    hgvs_p: str | None = None
    origin: str | None = None
    vaf: float | None = None
    copy_number_change: str | None = None
    gene_5p: str | None = None
    gene_3p: str | None = None
    value: str | None = Field(default=None, description="a biomarker's result, e.g. 'MSI-H'")


class Citation(_Frozen):
    citation: str
    pmid: str | None = None
    doi: str | None = None
    url: str | None = None
    nct: str | None = None


class Finding(_Frozen):
    """One matched assertion, tiered for this patient's tumour type, with the rule that did it."""

    assertion_id: str
    release_id: str
    alteration: str = Field(description="what matched, e.g. 'EGFR p.L858R present'")
    match_level: str | None
    therapy: str | None
    direction: str
    supports: bool
    disease: str
    disease_code: str | None
    on_label: bool
    disease_match: str
    disease_reason: str
    amp_tier: str
    amp_level: str
    escat: str
    tier_rule_id: str
    tier_rule: str
    source_level: str
    evidence_class: str
    facts: list[FactRef]
    references: list[Citation]
    notice: str | None


class TierSection(_Frozen):
    """Actionable findings of one AMP/ASCO/CAP tier, on-label first."""

    tier: str
    findings: list[Finding]
    rationale: list[str] = Field(default_factory=list, description="the tier rules, once each")
    rows: list[OptionRow] = Field(default_factory=list)


class Alternative(_Frozen):
    statement: str
    why_not_first: str


class EvidenceItem(_Frozen):
    source: str
    identifier: str | None
    level: str
    knowledge_version: str


class ReportRecommendation(_Frozen):
    """The engine's recommendation (governance contract) without its store id and timestamp."""

    key: str = Field(description="sha256 of the statement, first 16 hex digits")
    statement: str
    basis: list[FactRef]
    evidence: list[EvidenceItem]
    alternatives: list[Alternative] | Literal["none known"]
    limitations: str
    intended_use: str
    generated_by: str
    ai_generated: bool


class NotEvaluatedGroup(_Frozen):
    """Assertions the engine could not judge for this patient, grouped by the reason."""

    category: Literal[
        "missing data", "genome build mismatch", "gene-level rules off", "unsupported rule", "other"
    ]
    reason: str
    count: int
    assertion_ids: list[str]


class ReleaseCounts(_Frozen):
    """Every assertion of a release ends in exactly one of matched, not matched, not evaluated."""

    release_id: str
    assertions: int
    matched: int
    not_matched: int
    not_evaluated: int
    options: int
    resistance: int
    other: int


class Stamp(_Frozen):
    software: str = "OncoBoard"
    software_version: str
    kb_releases: list[str] = Field(description="'<release id> sha256:<hash>'")
    genome_builds: list[str]
    gene_level: bool
    content_sha256: str = Field(description="sha256 of this report's JSON without generated_at")


class Report(_Frozen):
    """The tumour-board report for one patient against the selected KB releases."""

    patient: ReportPatient
    releases: list[ReportRelease]
    notes: list[str] = Field(description="what the report could not do and why, in plain words")
    tiers: list[TierSection]
    recommendations: list[ReportRecommendation]
    resistance: list[Finding] = Field(description="resistance evidence: never an option")
    other: list[Finding] = Field(
        description="prognostic, diagnostic, or evidence that does not support"
    )
    not_evaluated: list[NotEvaluatedGroup]
    counts: list[ReleaseCounts]
    key_alterations: list[KeyAlteration] = Field(default_factory=list)
    contraindicated: list[ContraindicatedOption] = Field(default_factory=list)
    germline: list[GermlineNote] = Field(default_factory=list)
    variant_tiers: VariantTiers | None = None
    filtered_calls: FilteredCalls | None = None
    stamp: Stamp
    generated_at: datetime = Field(description="the only field that differs between two runs")


# --- Readable report (issue 13): summary rows, contraindications, germline, Tier III/IV ---


class OptionRow(_Frozen):
    """One (alteration, therapy) of a tier: duplicate assertions merged with all their evidence."""

    alteration: str = Field(description="the patient's alteration(s), e.g. 'EGFR p.L858R'")
    therapy: str
    on_label: bool
    amp_tier: str
    amp_level: str
    escat: str
    tumour_types: list[str] = Field(description="tumour types of the merged evidence")
    evidence: list[str] = Field(description="one line per assertion: release, id, level, source")
    releases: list[str]
    assertions: int
    filtered_call: bool = Field(description="rests on a call whose FILTER is not PASS")
    cautions: list[str] = Field(
        default_factory=list,
        description="co-occurring resistance evidence too weak or partial to rule the option out",
    )


class ContraindicatedOption(_Frozen):
    """An option undone by co-occurring resistance or documented progression: both facts."""

    alteration: str
    therapy: str
    amp_tier: str
    why: str
    option: Finding
    resistance: Finding | None = None
    treatment: str | None = None
    assertions: int = Field(default=1, description="option assertions merged into this row")
    assertion_ids: list[str] = Field(default_factory=list)


class KeyAlteration(_Frozen):
    gene: str
    change: str
    kind: str
    vaf: float | None = None
    origin: str | None = None
    filter: str | None = Field(default=None, description="FILTER as called; None: not applied")
    passed: bool = True
    germline_significance: bool = False


class GermlineNote(_Frozen):
    """A variant in a gene with germline significance: its origin and any testing prompt."""

    gene: str
    change: str
    vaf: float | None
    origin: str
    prompt: str | None
    why: str
    citation: str


class UncertainVariant(_Frozen):
    """A variant in a cancer gene without actionable evidence: AMP Tier III or IV."""

    gene: str
    change: str
    consequence: str | None
    vaf: float | None
    oncogenicity: str
    points: int
    criteria: list[str]


class VariantTiers(_Frozen):
    tier3: list[UncertainVariant]
    tier4: list[UncertainVariant]
    other_genes: int = Field(description="variants outside the cancer-gene list (not listed)")
    cancer_genes: int = Field(description="size of the cancer-gene list used")
    gene_list: str = Field(description="where the cancer-gene list comes from")
    not_scored: str


class FilteredCalls(_Frozen):
    count: int
    included: bool
    values: dict[str, int]


TierSection.model_rebuild()
Report.model_rebuild()
