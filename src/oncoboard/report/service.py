# SPDX-License-Identifier: Apache-2.0
"""Build the tumour-board report: the engine once per selected KB release, merged and sorted.

Running the engine per release gives exact per-release counts (matched / not matched / not
evaluated); recommendations are made once from the merged options so that alternatives span
every release. Everything is sorted on content, never on store ids or insertion order.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard import __version__
from oncoboard.actionability import engine
from oncoboard.actionability.matching import EngineOptions
from oncoboard.actionability.service import PatientAssessment, assess_patient
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.recommendation import Recommendation
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.knowledge import germline
from oncoboard.knowledge.models import KbAssertionRow, KbReleaseRow
from oncoboard.knowledge.schemas import KbReleaseInfo
from oncoboard.record import service as record_service
from oncoboard.record.schemas import PatientRecord
from oncoboard.report import facts as report_facts
from oncoboard.report import summary
from oncoboard.report.notes import not_evaluated_groups, notes_for
from oncoboard.report.schemas import (
    TIME_FIELD,
    Alternative,
    EvidenceItem,
    Format,
    Report,
    ReportRecommendation,
    ReportRelease,
    Stamp,
    TierSection,
)

TIERS = ("Tier I", "Tier II", "Tier III", "Tier IV")
# Match levels that name the variant itself ("known pathogenic" for the germline prompt).
_EXACT = ("exact genomic", "protein change")
_EXTENSIONS: dict[str, tuple[str, str]] = {
    "html": ("report", "html"),
    "pdf": ("report", "pdf"),
    "json": ("report", "json"),
    "fhir": ("fhir", "json"),
}


def authorize(session: Session, actor: Actor, patient_id: str, obj: str = "report") -> Access:
    """The gate for every report path: view the record for treatment."""
    return gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj=obj,
        patient_id=patient_id,
    )


def release_ids(session: Session, wanted: Sequence[str] | None) -> list[str]:
    """The releases asked for, in the order given without repeats; default every stored one."""
    if wanted:
        return list(dict.fromkeys(wanted))
    return list(session.scalars(select(KbReleaseRow.release_id).order_by(KbReleaseRow.release_id)))


def assess_all(
    session: Session,
    *,
    access: Access,
    releases: Sequence[str],
    gene_level: bool,
    include_filtered: bool = False,
) -> list[PatientAssessment]:
    """The engine once per release (exact per-release counts)."""
    options = EngineOptions(gene_level=gene_level, include_filtered=include_filtered)
    return [
        assess_patient(session, access=access, release_ids=[rid], options=options)
        for rid in releases
    ]


def build_report(
    session: Session,
    *,
    access: Access,
    kb: Sequence[str] | None = None,
    gene_level: bool = False,
    include_filtered: bool = False,
    now: datetime | None = None,
) -> Report:
    """One report for the gate-approved patient against the selected (default: all) releases."""
    gate.require(access, Action.VIEW_RECORD)
    record = record_service.get_patient_record(session=session, access=access, variant_limit=1)
    chosen = release_ids(session, kb)
    runs = assess_all(
        session,
        access=access,
        releases=chosen,
        gene_level=gene_level,
        include_filtered=include_filtered,
    )
    genes = cancer_genes(session, chosen)
    return assemble(
        record, runs, gene_level=gene_level, now=now, genes=genes, include_filtered=include_filtered
    )


def cancer_genes(
    session: Session, releases: Sequence[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """(cancer genes, tumour suppressors) of the consulted releases plus the germline list."""
    rows = session.execute(
        select(KbAssertionRow.gene, KbAssertionRow.rule_kind).where(
            KbAssertionRow.release_id.in_(list(releases)), KbAssertionRow.gene.is_not(None)
        )
    ).all()
    named = {str(gene) for gene, _ in rows}
    lof = {str(gene) for gene, kind in rows if kind == "loss_of_function"}
    return (
        frozenset(named | set(germline.GENES)),
        frozenset(lof | germline.TUMOUR_SUPPRESSORS),
    )


def merged_recommendations(
    patient_id: str, runs: Sequence[PatientAssessment]
) -> list[Recommendation]:
    """The engine's recommendations from every release's options together."""
    if not runs:
        return []
    merged = engine.Assessment(patient_id=patient_id, tumor_type=runs[0].assessment.tumor_type)
    kept, _ = summary.whole_tumour(runs)
    merged.options = sorted(kept, key=report_facts.finding_key)
    return engine.recommendations(merged)


def assemble(
    record: PatientRecord,
    runs: Sequence[PatientAssessment],
    *,
    gene_level: bool,
    now: datetime | None = None,
    genes: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset()),
    include_filtered: bool = False,
) -> Report:
    """Pure: the record summary and the engine runs → a sorted, stamped report."""
    releases = [run.releases[0] for run in runs]
    kept, moved = summary.whole_tumour(runs)
    findings = report_facts.findings(runs, options=kept)
    rows = summary.option_rows(kept, summary.option_cautions(runs, kept))
    facts = summary.patient_facts(runs)
    exact = {
        f.fact_id
        for found in kept
        if found.result.level is not None and found.result.level.value in _EXACT
        for f in found.result.facts
    }
    tiered = {f.fact_id for found in kept for f in found.result.facts} | {
        f.fact_id for run in runs for found in run.assessment.resistance for f in found.result.facts
    }
    recommendations = [_recommendation(r) for r in merged_recommendations(record.patient_id, runs)]
    builds = sorted(record.genome_builds)
    draft = Report(
        patient=report_facts.patient(record),
        releases=[_release(r) for r in releases],
        notes=notes_for(record, runs, gene_level=gene_level),
        tiers=[
            TierSection(
                tier=t,
                findings=[f for f in findings.options if f.amp_tier == t],
                rationale=summary.rationale(kept, t),
                rows=rows.get(t, []),
            )
            for t in TIERS
            if any(f.amp_tier == t for f in findings.options)
        ],
        recommendations=recommendations,
        resistance=findings.resistance,
        other=findings.other,
        not_evaluated=not_evaluated_groups(runs),
        counts=report_facts.counts(runs),
        key_alterations=summary.key_alterations(runs),
        contraindicated=summary.contraindicated(moved),
        germline=summary.germline_notes(facts, exact),
        variant_tiers=summary.variant_tiers(facts, tiered, genes[0], genes[1]),
        filtered_calls=summary.filtered_calls(runs),
        stamp=Stamp(
            software_version=__version__,
            kb_releases=[f"{r.release_id} sha256:{r.sha256}" for r in releases],
            genome_builds=builds,
            gene_level=gene_level,
            content_sha256="",
        ),
        generated_at=now or datetime.now(UTC),
    )
    digest = hashlib.sha256(canonical_json(draft, with_time=False)).hexdigest()
    return draft.model_copy(
        update={"stamp": draft.stamp.model_copy(update={"content_sha256": digest})}
    )


def canonical_json(report: Report, *, with_time: bool = True) -> bytes:
    """Sorted keys, fixed indentation; without the time (and the hash) when comparing."""
    data = report.model_dump(mode="json")
    if not with_time:
        data.pop(TIME_FIELD)
        data["stamp"].pop("content_sha256")
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode()


def file_name(report: Report, fmt: Format) -> str:
    """``<patient>.oncoboard.<build>.<kind>.<ext>``, e.g. demo-002.oncoboard.GRCh38.report.pdf."""
    kind, ext = _EXTENSIONS[fmt]
    build = "+".join(report.patient.genome_builds) or "no-build"
    patient = re.sub(r"[^A-Za-z0-9_-]+", "_", report.patient.patient_id).strip("_") or "patient"
    return f"{patient}.oncoboard.{build}.{kind}.{ext}"


def _release(info: KbReleaseInfo) -> ReportRelease:
    return ReportRelease(
        release_id=info.release_id,
        source=info.source,
        release=info.release,
        release_date=info.release_date,
        sha256=info.sha256,
        licence=info.licence,
        notice=info.notice,
        genome_build=info.genome_build,
        assertion_count=info.assertion_count,
    )


def _recommendation(rec: Recommendation) -> ReportRecommendation:
    alternatives = (
        rec.alternatives
        if isinstance(rec.alternatives, str)
        else [
            Alternative(statement=a.statement, why_not_first=a.why_not_first)
            for a in rec.alternatives
        ]
    )
    return ReportRecommendation(
        key=hashlib.sha256(rec.statement.encode()).hexdigest()[:16],
        statement=rec.statement,
        basis=[report_facts.basis_ref(b) for b in rec.basis],
        evidence=[
            EvidenceItem(
                source=e.source,
                identifier=e.identifier,
                level=e.level,
                knowledge_version=e.knowledge_version,
            )
            for e in rec.evidence
        ],
        alternatives=alternatives,
        limitations=rec.limitations,
        intended_use=rec.intended_use,
        generated_by=rec.generated_by,
        ai_generated=rec.ai_generated,
    )
