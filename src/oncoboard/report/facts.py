# SPDX-License-Identifier: Apache-2.0
"""Engine results → report entries, each with a content-only sort key (no store ids)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oncoboard.actionability import engine
from oncoboard.actionability.service import PatientAssessment
from oncoboard.governance.recommendation import FactReference
from oncoboard.knowledge import oncotree
from oncoboard.record.schemas import PatientRecord, RecordedFact
from oncoboard.record.service import describe
from oncoboard.report.schemas import (
    Citation,
    FactRef,
    Finding,
    ReleaseCounts,
    ReportPatient,
    TumorType,
)

_TIER_ORDER = {"Tier I": 0, "Tier II": 1, "Tier III": 2, "Tier IV": 3}


def finding_key(found: engine.Finding) -> tuple[int, int, str, str, str, str, str, str]:
    """Tier, then on-label first, then level, ESCAT, therapy, alteration and ids: all content."""
    therapy = found.assertion.therapy.name if found.assertion.therapy else ""
    return (
        _TIER_ORDER.get(found.tier.amp_tier, 9),
        0 if found.disease.on_label else 1,
        found.tier.amp_level,
        found.tier.escat,
        therapy.lower(),
        found.result.reason,
        found.assertion.assertion_id,
        found.release.release_id,
    )


def _sort_key(item: Finding) -> tuple[int, int, str, str, str, str, str, str]:
    return (
        _TIER_ORDER.get(item.amp_tier, 9),
        0 if item.on_label else 1,
        item.amp_level,
        item.escat,
        (item.therapy or "").lower(),
        item.alteration,
        item.assertion_id,
        item.release_id,
    )


@dataclass(frozen=True)
class Findings:
    options: list[Finding]
    resistance: list[Finding]
    other: list[Finding]


def findings(
    runs: Sequence[PatientAssessment], options: Sequence[engine.Finding] | None = None
) -> Findings:
    """Report entries; ``options``: the options that stand after the whole-tumour check."""

    def convert(pick: str) -> list[Finding]:
        found = [finding(f) for run in runs for f in getattr(run.assessment, pick)]
        return sorted(found, key=_sort_key)

    if options is None:
        return Findings(convert("options"), convert("resistance"), convert("other"))
    kept = sorted((finding(f) for f in options), key=_sort_key)
    return Findings(kept, convert("resistance"), convert("other"))


def finding(found: engine.Finding) -> Finding:
    assertion = found.assertion
    level = str(found.result.level) if found.result.level is not None else None
    return Finding(
        assertion_id=assertion.assertion_id,
        release_id=found.release.release_id,
        alteration=found.result.reason,
        match_level=level,
        therapy=assertion.therapy.name if assertion.therapy else None,
        direction=assertion.direction,
        supports=assertion.supports,
        disease=assertion.disease.name,
        disease_code=assertion.disease.oncotree_code,
        on_label=found.disease.on_label,
        disease_match=found.disease.kind.value,
        disease_reason=found.disease.reason,
        amp_tier=found.tier.amp_tier,
        amp_level=found.tier.amp_level,
        escat=found.tier.escat,
        tier_rule_id=found.tier.rule_id,
        tier_rule=found.tier.rule,
        source_level=assertion.source_level,
        evidence_class=assertion.evidence_class.value,
        facts=sorted(
            (fact_ref(f, level) for f in found.result.facts),
            key=lambda r: (r.source_name, r.locator, r.label),
        ),
        references=[
            Citation(citation=r.citation, pmid=r.pmid, doi=r.doi, url=r.url, nct=r.nct)
            for r in assertion.references
        ],
        notice=found.release.notice,
    )


_DETAIL = ("gene", "genome_build", "chrom", "pos", "ref", "alt", "transcript", "hgvs_c",
           "hgvs_p", "origin", "vaf", "gene_5p", "gene_3p")  # fmt: skip


def fact_ref(fact: RecordedFact, match: str | None = None) -> FactRef:
    """The fact's label, source and the structured fields a FHIR variant needs."""
    source = fact.provenance
    value = fact.fact
    detail = {name: getattr(value, name, None) for name in _DETAIL}
    result = getattr(value, "value_text", None) or getattr(value, "value_number", None)
    return FactRef(
        label=describe(value),
        kind=value.kind,
        source_name=source.source_name,
        source_sha256=source.source_sha256,
        locator=source.locator,
        match=match,
        copy_number_change=getattr(value, "change", None),
        value=None if result is None else str(result),
        **detail,
    )


def basis_ref(basis: FactReference) -> FactRef:
    source = basis.provenance
    return FactRef(
        label=basis.label,
        kind=basis.kind,
        source_name=source.source_name,
        source_sha256=source.source_sha256,
        locator=source.locator,
        match=basis.match,
    )


def patient(record: PatientRecord) -> ReportPatient:
    demo = record.demographics[0].fact if record.demographics else None
    return ReportPatient(
        patient_id=record.patient_id,
        name=getattr(demo, "name", None),
        tumor_type=tumor_type(record),
        genome_builds=sorted(record.genome_builds),
    )


def tumor_type(record: PatientRecord) -> TumorType:
    """The code the engine uses (first condition with an OncoTree code), with its source."""
    coded = next((f for f in record.conditions if getattr(f.fact, "oncotree_code", None)), None)
    if coded is None:
        return TumorType(
            code=None,
            name=None,
            note=(
                "no OncoTree tumour type is recorded: not guessed; every assertion is treated "
                "as another tumour type (off-label). Set it with 'oncoboard import … "
                "--tumor-type CODE' or on the import page."
            ),
        )
    code = str(coded.fact.oncotree_code)  # type: ignore[union-attr]
    node, release = _node(code)
    where = f"{coded.provenance.source_name} · {coded.provenance.locator}"
    if node is None:
        return TumorType(
            code=code, name=None, note=f"{code} from {where}; not a shipped OncoTree code"
        )
    return TumorType(
        code=code, name=node.name, note=f"{node.label}, OncoTree {release}, from {where}"
    )


def _node(code: str) -> tuple[oncotree.OncoTreeNode | None, str]:
    for release in (oncotree.DEFAULT_RELEASE, *oncotree.RELEASES):
        node = oncotree.load(release).get(code)
        if node is not None:
            return node, release
    return None, ""


def counts(runs: Sequence[PatientAssessment]) -> list[ReleaseCounts]:
    out = []
    for run in runs:
        assessment = run.assessment
        out.append(
            ReleaseCounts(
                release_id=run.releases[0].release_id,
                assertions=sum(assessment.counts.values()),
                matched=assessment.counts.get("matched", 0),
                not_matched=assessment.counts.get("not_matched", 0),
                not_evaluated=assessment.counts.get("not_evaluated", 0),
                options=len(assessment.options),
                resistance=len(assessment.resistance),
                other=len(assessment.other),
            )
        )
    return out
