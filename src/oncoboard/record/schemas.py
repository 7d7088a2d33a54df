# SPDX-License-Identifier: Apache-2.0
"""The patient record: canonical, frozen facts as importers produce them and pages show them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from oncoboard.record.genomics import GenomeBuild

Vaf = Annotated[float, Field(ge=0, le=1)]
Depth = Annotated[int, Field(ge=0)]
VariantOrigin = Literal["somatic", "germline", "unknown"]
CopyNumberKind = Literal["amplification", "gain", "shallow_deletion", "deep_deletion", "loss"]


class Fact(BaseModel):
    """Base of every fact; ``kind`` routes it to its table."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    kind: str


class Demographics(Fact):
    kind: Literal["demographics"] = "demographics"
    name: str | None = None
    birth_date: str | None = None
    sex: str | None = None
    deceased: bool | None = None
    identifiers: tuple[str, ...] = ()
    # ISO 8601 duration as the source gives it (cBioPortal AGE, Phenopacket timeAtLastEncounter)
    age: str | None = None


class CancerCondition(Fact):
    kind: Literal["condition"] = "condition"
    code_system: str | None = None
    code: str | None = None
    display: str | None = None
    oncotree_code: str | None = None
    stage: str | None = None
    stage_system: str | None = None
    onset: str | None = None
    body_site: str | None = None
    histology: str | None = None
    is_primary: bool = True
    clinical_status: str | None = None


class Specimen(Fact):
    kind: Literal["specimen"] = "specimen"
    specimen_id: str
    specimen_type: str | None = None
    collected: str | None = None
    body_site: str | None = None
    tumor_content: float | None = None
    histology: str | None = None


class SomaticVariant(Fact):
    """A small variant; ``genome_build`` is required, never defaulted."""

    kind: Literal["variant"] = "variant"
    genome_build: GenomeBuild
    chrom: str | None = None
    pos: int | None = None
    ref: str | None = None
    alt: str | None = None
    gene: str | None = None
    hgvs_c: str | None = None
    hgvs_p: str | None = None
    hgvs_p_raw: str | None = None
    consequence: str | None = None
    transcript: str | None = None
    exon: int | None = Field(default=None, ge=1, description="exon of the chosen transcript")
    transcript_policy: str | None = None
    other_transcripts: tuple[dict[str, Any], ...] = ()
    vaf: Vaf | None = None
    depth: Depth | None = None
    alt_depth: Depth | None = None
    filters: str | None = None
    origin: VariantOrigin = "somatic"
    sample_id: str | None = None


class CopyNumberChange(Fact):
    kind: Literal["copy_number"] = "copy_number"
    genome_build: GenomeBuild
    gene: str
    change: CopyNumberKind
    copy_number: float | None = None
    sample_id: str | None = None


class Fusion(Fact):
    kind: Literal["fusion"] = "fusion"
    genome_build: GenomeBuild
    gene_5p: str | None = None
    gene_3p: str | None = None
    description: str | None = None
    sample_id: str | None = None


class Biomarker(Fact):
    """TMB, MSI and other measured tumour markers (HER2, PD-L1, ER …)."""

    kind: Literal["biomarker"] = "biomarker"
    name: str
    value_number: float | None = None
    value_text: str | None = None
    unit: str | None = None
    code: str | None = None
    effective: str | None = None


class PerformanceStatus(Fact):
    kind: Literal["performance_status"] = "performance_status"
    scale: Literal["ECOG", "Karnofsky"]
    score: int
    effective: str | None = None


class Treatment(Fact):
    kind: Literal["treatment"] = "treatment"
    category: Literal["medication", "procedure", "radiotherapy"]
    name: str
    code: str | None = None
    status: str | None = None
    start: str | None = None
    end: str | None = None
    intent: str | None = None
    # what it was given for (FHIR reasonReference/reasonCode): a cancer, or e.g. hypertension
    reason: str | None = None


class LabResult(Fact):
    """A laboratory result as reported, with the lab's own reference range (ULN = ``reference_high``)."""

    kind: Literal["lab"] = "lab"
    name: str
    code: str | None = None
    value_number: float | None = None
    value_text: str | None = None
    unit: str | None = None
    reference_low: float | None = None
    reference_high: float | None = None
    effective: str | None = None


class ClinicalFinding(Fact):
    """A condition other than the cancer being treated, or a status such as pregnancy; ``present``
    is False for an explicit negative (refuted Condition, mCODE comorbidity recorded absent)."""

    kind: Literal["finding"] = "finding"
    code_system: str | None = None
    code: str | None = None
    display: str
    present: bool = True
    clinical_status: str | None = None
    onset: str | None = None
    abatement: str | None = None
    effective: str | None = None


class GeneTesting(Fact):
    """Genes a test examined (panel coverage, or a pertinent negative): in these genes, no
    reported variant is a result, not missing data."""

    kind: Literal["gene_testing"] = "gene_testing"
    test: str | None = None
    genes: tuple[str, ...]
    scope: Literal["region_studied", "no_variant_found"] = "region_studied"
    method: str | None = None
    effective: str | None = None


class PharmacogenomicResult(Fact):
    """A germline pharmacogene result: a lab-reported diplotype (FHIR genotype Observation, CSV)
    or alleles called from a germline VCF; the phenotype is derived by ``pharmacogenomics``."""

    kind: Literal["pgx"] = "pgx"
    gene: str
    diplotype: str | None = None
    method: Literal["lab", "vcf"] = "lab"
    reported_phenotype: str | None = None
    reported_activity_score: float | None = None
    phased: bool = False
    # VCF calls: the defining positions read (genotype per site) and those not called
    calls: tuple[dict[str, Any], ...] = ()
    not_called: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    test: str | None = None
    effective: str | None = None


AnyFact = (
    Demographics
    | CancerCondition
    | Specimen
    | SomaticVariant
    | CopyNumberChange
    | Fusion
    | Biomarker
    | PerformanceStatus
    | Treatment
    | LabResult
    | ClinicalFinding
    | GeneTesting
    | PharmacogenomicResult
)


class Provenance(BaseModel):
    """Where a fact came from: file, record, importer and import."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    source_name: str
    source_sha256: str
    locator: str
    importer: str
    importer_version: str
    import_id: str
    imported_at: datetime


class RecordedFact(BaseModel):
    """A stored fact with its provenance, as the record view returns it."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    fact_id: int
    fact: AnyFact = Field(discriminator="kind")
    provenance: Provenance


class PatientSummary(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)
    patient_id: str
    name: str | None
    birth_date: str | None
    sex: str | None
    primary_cancer: str | None
    oncotree_code: str | None
    fact_count: int
    variant_count: int = 0


class TimelineEntry(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)
    date: str
    kind: str
    label: str
    provenance: Provenance
    fact_id: int | None = None


class PatientRecord(BaseModel):
    """One coherent record: every fact with its source."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    patient_id: str
    demographics: list[RecordedFact]
    conditions: list[RecordedFact]
    specimens: list[RecordedFact]
    variants: list[RecordedFact]
    variant_total: int
    copy_numbers: list[RecordedFact]
    fusions: list[RecordedFact]
    biomarkers: list[RecordedFact]
    performance_status: list[RecordedFact]
    treatments: list[RecordedFact]
    timeline: list[TimelineEntry]
    genome_builds: list[str]
    labs: list[RecordedFact] = Field(default_factory=list)
    findings: list[RecordedFact] = Field(default_factory=list)
    gene_tests: list[RecordedFact] = Field(default_factory=list)
    pgx: list[RecordedFact] = Field(default_factory=list)


VariantSort = Literal["file", "gene", "-gene", "vaf", "-vaf", "depth", "-depth"]


class VariantPage(BaseModel):
    """One page of a patient's variants, filtered and sorted on the server."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    patient_id: str
    items: list[RecordedFact]
    total: int
    limit: int
    offset: int
    gene: str | None = None
    sort: VariantSort = "file"


class FactDetail(BaseModel):
    """One fact with its full provenance and the raw source record it was read from."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    patient_id: str
    fact_id: int
    label: str
    fact: AnyFact = Field(discriminator="kind")
    provenance: Provenance
    source_format: str
    imported_by: str | None = None
    raw: str | None = None
