# SPDX-License-Identifier: Apache-2.0
"""One-line clinical labels for record facts (pages, reasons, timelines)."""

from __future__ import annotations

from oncoboard.record.schemas import (
    AnyFact,
    Biomarker,
    CancerCondition,
    ClinicalFinding,
    CopyNumberChange,
    Demographics,
    Fusion,
    GeneTesting,
    LabResult,
    PerformanceStatus,
    PharmacogenomicResult,
    SomaticVariant,
    Specimen,
    Treatment,
)

__all__ = ["describe"]


def describe(fact: AnyFact) -> str:
    """A one-line clinical label for a fact."""
    if isinstance(fact, CancerCondition):
        stage = f" ({stage_text(fact.stage)})" if fact.stage else ""
        return f"Diagnosis: {fact.display or fact.code}{stage}"
    if isinstance(fact, Treatment):
        return f"{fact.category.title()}: {fact.name}"
    if isinstance(fact, Specimen):
        kind = f" ({fact.specimen_type})" if fact.specimen_type else ""
        return f"Specimen {fact.specimen_id}{kind}"
    if isinstance(fact, Biomarker):
        value = fact.value_text if fact.value_text is not None else fact.value_number
        return f"{fact.name}: {value}" + (f" {fact.unit}" if fact.unit else "")
    if isinstance(fact, PerformanceStatus):
        return f"{fact.scale} {fact.score}"
    if isinstance(fact, Demographics):
        return f"{fact.name or 'unnamed'}, born {fact.birth_date or '?'}, sex {fact.sex or '?'}"
    if isinstance(fact, SomaticVariant):
        return f"{fact.gene or '?'} {fact.hgvs_p or fact.hgvs_c or ''}".strip()
    if isinstance(fact, CopyNumberChange):
        return f"{fact.gene} {fact.change.replace('_', ' ')}"
    return _describe_more(fact)


def stage_text(stage: str | None) -> str:
    """A stage as people write it: "Stage IIA" whether the source said "IIA" or "Stage IIA".

    >>> stage_text("IIA"), stage_text("Stage IIA"), stage_text("stage IV"), stage_text(None)
    ('Stage IIA', 'Stage IIA', 'Stage IV', '')
    """
    if not stage or not stage.strip():
        return ""
    text = stage.strip()
    if text.lower().startswith("stage"):
        return "Stage" + text[5:]
    return f"Stage {text}"


def _describe_more(fact: AnyFact) -> str:
    if isinstance(fact, LabResult):
        value = fact.value_text if fact.value_number is None else f"{fact.value_number:g}"
        return f"{fact.name}: {value}" + (f" {fact.unit}" if fact.unit else "")
    if isinstance(fact, ClinicalFinding):
        return f"{fact.display}" + ("" if fact.present else ": absent")
    if isinstance(fact, GeneTesting):
        what = "no variant found in" if fact.scope == "no_variant_found" else "genes studied:"
        return f"{fact.test or 'Gene test'}: {what} {', '.join(fact.genes)}"
    if isinstance(fact, PharmacogenomicResult):
        source = "germline VCF" if fact.method == "vcf" else "lab"
        return f"{fact.gene} {fact.diplotype or 'genotype not determined'} ({source})"
    assert isinstance(fact, Fusion)
    return f"{fact.gene_5p or '?'}::{fact.gene_3p or '?'} fusion"
