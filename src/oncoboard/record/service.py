# SPDX-License-Identifier: Apache-2.0
"""Read the patient record back: list, search, and one coherent record with provenance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pydantic import TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncoboard.errors import NotFound
from oncoboard.ingest.models import ImportRow
from oncoboard.record.models import FactRow, PatientRow
from oncoboard.record.schemas import (
    AnyFact,
    Biomarker,
    CancerCondition,
    CopyNumberChange,
    Demographics,
    PatientRecord,
    PatientSummary,
    PerformanceStatus,
    Provenance,
    RecordedFact,
    SomaticVariant,
    Specimen,
    TimelineEntry,
    Treatment,
)

_FACT = TypeAdapter(AnyFact)
_SECTIONS = {
    "demographics": "demographics",
    "condition": "conditions",
    "specimen": "specimens",
    "variant": "variants",
    "copy_number": "copy_numbers",
    "fusion": "fusions",
    "biomarker": "biomarkers",
    "performance_status": "performance_status",
    "treatment": "treatments",
}


def list_patients(
    *, session: Session, search: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[PatientSummary], int]:
    """Patients ordered by id, optionally filtered by id/name substring; returns page and total."""
    query = select(PatientRow)
    if search:
        pattern = f"%{search.lower()}%"
        named = select(FactRow.patient_id).where(
            FactRow.kind == "demographics",
            func.lower(FactRow.payload["name"].as_string()).like(pattern),
        )
        query = query.where(
            func.lower(PatientRow.external_id).like(pattern) | PatientRow.id.in_(named)
        )
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(PatientRow.id).limit(limit).offset(offset)).all()
    return [_summary(session, row) for row in rows], total


def _summary(session: Session, patient: PatientRow) -> PatientSummary:
    facts = session.execute(
        select(FactRow.kind, FactRow.payload)
        .where(FactRow.patient_id == patient.id, FactRow.kind.in_(("demographics", "condition")))
        .order_by(FactRow.id)
    ).all()
    demo = next((p for k, p in facts if k == "demographics"), {})
    cancer = next((p for k, p in facts if k == "condition" and p.get("is_primary", True)), {})
    count = session.scalar(select(func.count()).where(FactRow.patient_id == patient.id)) or 0
    return PatientSummary(
        patient_id=patient.external_id,
        name=_str(demo.get("name")),
        birth_date=_str(demo.get("birth_date")),
        sex=_str(demo.get("sex")),
        primary_cancer=_str(cancer.get("display") or cancer.get("code")),
        oncotree_code=_str(cancer.get("oncotree_code")),
        fact_count=int(count),
    )


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def get_patient_record(
    *, session: Session, patient_id: str, variant_limit: int = 500, variant_offset: int = 0
) -> PatientRecord:
    """The whole record of one patient; variants paged (a tumour can carry tens of thousands)."""
    patient = session.scalar(select(PatientRow).where(PatientRow.external_id == patient_id))
    if patient is None:
        raise NotFound(f"patient {patient_id!r} not found")
    imports = {
        row.id: row
        for row in session.scalars(
            select(ImportRow).where(
                ImportRow.id.in_(
                    select(FactRow.import_id).where(FactRow.patient_id == patient.id).distinct()
                )
            )
        )
    }
    other = (
        session.execute(
            select(FactRow)
            .where(FactRow.patient_id == patient.id, FactRow.kind != "variant")
            .order_by(FactRow.id)
        )
        .scalars()
        .all()
    )
    variants = (
        session.execute(
            select(FactRow)
            .where(FactRow.patient_id == patient.id, FactRow.kind == "variant")
            .order_by(FactRow.id)
            .limit(variant_limit)
            .offset(variant_offset)
        )
        .scalars()
        .all()
    )
    variant_total = (
        session.scalar(
            select(func.count()).where(FactRow.patient_id == patient.id, FactRow.kind == "variant")
        )
        or 0
    )
    builds = session.scalars(
        select(FactRow.genome_build)
        .where(FactRow.patient_id == patient.id, FactRow.genome_build.is_not(None))
        .distinct()
    ).all()
    sections: dict[str, list[RecordedFact]] = defaultdict(list)
    for row in [*other, *variants]:
        sections[_SECTIONS.get(row.kind, "other")].append(_recorded(row, imports[row.import_id]))
    return PatientRecord(
        patient_id=patient.external_id,
        demographics=sections["demographics"],
        conditions=sections["conditions"],
        specimens=sections["specimens"],
        variants=sections["variants"],
        variant_total=int(variant_total),
        copy_numbers=sections["copy_numbers"],
        fusions=sections["fusions"],
        biomarkers=sections["biomarkers"],
        performance_status=sections["performance_status"],
        treatments=sections["treatments"],
        timeline=_timeline(fact for facts in sections.values() for fact in facts),
        genome_builds=sorted(b for b in builds if b),
    )


def _recorded(row: FactRow, imp: ImportRow) -> RecordedFact:
    fact = _FACT.validate_python({"kind": row.kind, **row.payload})
    return RecordedFact(
        fact_id=row.id,
        fact=fact,
        provenance=Provenance(
            source_name=imp.source_name,
            source_sha256=imp.source_sha256,
            locator=row.locator,
            importer=imp.importer,
            importer_version=imp.importer_version,
            import_id=imp.id,
            imported_at=imp.imported_at,
        ),
    )


def _timeline(facts: Iterable[RecordedFact]) -> list[TimelineEntry]:
    """Dated facts on one axis, oldest first (samples, treatments, findings together)."""
    entries = []
    for recorded in facts:
        fact = recorded.fact
        date = next(
            (
                getattr(fact, name)
                for name in ("onset", "start", "collected", "effective")
                if getattr(fact, name, None)
            ),
            None,
        )
        if date is None:
            continue
        entries.append(
            TimelineEntry(
                date=str(date), kind=fact.kind, label=describe(fact), provenance=recorded.provenance
            )
        )
    return sorted(entries, key=lambda e: e.date)


def describe(fact: AnyFact) -> str:
    """A one-line clinical label for a fact."""
    if isinstance(fact, CancerCondition):
        stage = f" (stage {fact.stage})" if fact.stage else ""
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
    return f"{fact.gene_5p or '?'}::{fact.gene_3p or '?'} fusion"
