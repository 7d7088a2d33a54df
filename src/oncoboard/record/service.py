# SPDX-License-Identifier: Apache-2.0
"""Read the patient record back: list, search, one coherent record, one fact with provenance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cache

from pydantic import TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from oncoboard.errors import NotFound
from oncoboard.governance import gate
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Action
from oncoboard.ingest.models import ImportRow
from oncoboard.record.labels import describe
from oncoboard.record.models import FactRow, PatientRow, RawBlockRow
from oncoboard.record.schemas import (
    AnyFact,
    FactDetail,
    PatientRecord,
    PatientSummary,
    Provenance,
    RecordedFact,
    TimelineEntry,
    Treatment,
    VariantPage,
    VariantSort,
)
from oncoboard.record.variants import (
    VariantFilter,
    count_variants,
    gene_spellings,
    variant_query,
)


@cache
def _fact_reader() -> TypeAdapter[AnyFact]:
    """Built on first use: the schema of every fact kind costs start-up to a listing."""
    return TypeAdapter(AnyFact)


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
    "lab": "labs",
    "finding": "findings",
    "gene_testing": "gene_tests",
    "pgx": "pgx",
}
_GENOMIC = ("variant", "copy_number", "fusion")
# Listed rather than ``kind != 'variant'`` so the (patient, kind) index skips the variants.
_NOT_VARIANTS = tuple(kind for kind in _SECTIONS if kind != "variant")


def list_patients(
    *,
    session: Session,
    access: Access,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[PatientSummary], int]:
    """Patients the caller may see (own record; consent for the purpose), by id; page and total."""
    gate.require(access, Action.VIEW_RECORD, patient_scoped=False)
    query = select(PatientRow).where(gate.visible_patients(access.actor, access.purpose))
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
    variants = _count(session, patient.id, "variant")
    return PatientSummary(
        patient_id=patient.external_id,
        name=_str(demo.get("name")),
        birth_date=_str(demo.get("birth_date")),
        sex=_str(demo.get("sex")),
        primary_cancer=_str(cancer.get("display") or cancer.get("code")),
        oncotree_code=_str(cancer.get("oncotree_code")),
        fact_count=int(count),
        variant_count=variants,
    )


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _count(session: Session, patient_id: int, kind: str, gene: str | None = None) -> int:
    query = select(func.count()).where(FactRow.patient_id == patient_id, FactRow.kind == kind)
    if gene:
        query = query.where(FactRow.gene.in_(gene_spellings(gene)))
    return int(session.scalar(query) or 0)


def _patient(session: Session, access: Access) -> PatientRow:
    """The patient the gate's proof names (reads need ``view_record`` on that patient)."""
    gate.require(access, Action.VIEW_RECORD)
    patient = session.scalar(select(PatientRow).where(PatientRow.external_id == access.patient_id))
    if patient is None:
        raise NotFound(f"patient {access.patient_id!r} not found")
    return patient


def get_patient_record(
    *,
    session: Session,
    access: Access,
    variant_limit: int = 500,
    variant_offset: int = 0,
    gene: str | None = None,
    sort: VariantSort = "file",
    passed_only: bool = False,
    consequence: str | None = None,
) -> PatientRecord:
    """The whole record of one patient; variants paged (a tumour can carry tens of thousands).

    Only the requested page of variants is loaded and no raw source record is read, so the
    cost of a page does not grow with the size of the tumour's variant list.
    """
    patient = _patient(session, access)
    other = session.scalars(
        select(FactRow)
        .options(defer(FactRow.raw))
        .where(FactRow.patient_id == patient.id, FactRow.kind.in_(_NOT_VARIANTS))
        .order_by(FactRow.id)
    ).all()
    chosen = VariantFilter(gene=gene, passed_only=passed_only, consequence=consequence)
    variants = session.scalars(
        variant_query(patient.id, chosen, sort).limit(variant_limit).offset(variant_offset)
    ).all()
    recorded = _recorded_all(session, [*other, *variants])
    sections: dict[str, list[RecordedFact]] = defaultdict(list)
    for row, fact in zip([*other, *variants], recorded, strict=True):
        sections[_SECTIONS.get(row.kind, "other")].append(fact)
    return PatientRecord(
        patient_id=patient.external_id,
        demographics=sections["demographics"],
        conditions=sections["conditions"],
        specimens=sections["specimens"],
        variants=sections["variants"],
        variant_total=count_variants(session, patient.id, chosen),
        copy_numbers=sections["copy_numbers"],
        fusions=sections["fusions"],
        biomarkers=sections["biomarkers"],
        performance_status=sections["performance_status"],
        treatments=sections["treatments"],
        timeline=_timeline(recorded),
        genome_builds=_builds(session, patient.id),
        labs=sections["labs"],
        findings=sections["findings"],
        gene_tests=sections["gene_tests"],
        pgx=sections["pgx"],
    )


def list_variants(
    *,
    session: Session,
    access: Access,
    gene: str | None = None,
    sort: VariantSort = "file",
    limit: int = 100,
    offset: int = 0,
) -> VariantPage:
    """One page of a patient's variants, optionally of one gene, in the order asked for."""
    patient = _patient(session, access)
    chosen = VariantFilter(gene=gene)
    rows = session.scalars(
        variant_query(patient.id, chosen, sort).limit(limit).offset(offset)
    ).all()
    return VariantPage(
        patient_id=patient.external_id,
        items=_recorded_all(session, rows),
        total=count_variants(session, patient.id, chosen),
        limit=limit,
        offset=offset,
        gene=gene or None,
        sort=sort,
    )


def _builds(session: Session, patient_id: int) -> list[str]:
    """The patient's genome build(s): the first genomic fact of each kind says it.

    The import writer refuses to mix builds within one patient, so one row per kind is enough
    and avoids scanning tens of thousands of variants.
    """
    builds = {
        session.scalar(
            select(FactRow.genome_build)
            .where(
                FactRow.patient_id == patient_id,
                FactRow.kind == kind,
                FactRow.genome_build.is_not(None),
            )
            .limit(1)
        )
        for kind in _GENOMIC
    }
    return sorted(b for b in builds if b)


def get_fact(*, session: Session, access: Access, fact_id: int) -> FactDetail:
    """One fact of one patient with its full provenance and raw source record."""
    patient = _patient(session, access)
    row = session.scalar(
        select(FactRow).where(FactRow.id == fact_id, FactRow.patient_id == patient.id)
    )
    if row is None:
        raise NotFound(f"patient {access.patient_id!r} has no fact {fact_id}")
    imp = session.get(ImportRow, row.import_id)
    assert imp is not None  # facts.import_id is a foreign key
    recorded = _recorded(row, imp)
    return FactDetail(
        patient_id=patient.external_id,
        fact_id=row.id,
        label=describe(recorded.fact),
        fact=recorded.fact,
        provenance=recorded.provenance,
        source_format=imp.source_format,
        imported_by=imp.imported_by,
        raw=_raw(session, row),
    )


def treatments(*, session: Session, access: Access) -> list[RecordedFact]:
    """One patient's recorded treatments with provenance, in file order (raw records not read).

    For capabilities that act on a treatment line (dose proposals): the gate's proof may be
    for viewing the record or for editing it, since a proposal reads the line it is about.

    Parameters
    ----------
    session : Session
        The unit of work's session.
    access : Access
        From ``gate.authorize`` for ``view_record`` or ``edit_record`` on one patient.

    Returns
    -------
    list[RecordedFact]
        Each ``Treatment`` fact with its fact id and provenance; empty when none recorded.

    Raises
    ------
    PermissionDenied
        The proof is for another action or names no patient.
    NotFound
        The patient does not exist.
    """
    editing = access.action == Action.EDIT_RECORD
    gate.require(access, Action.EDIT_RECORD if editing else Action.VIEW_RECORD)
    patient_pk = gate.record_key(session, access)
    rows = session.scalars(
        select(FactRow)
        .options(defer(FactRow.raw))
        .where(FactRow.patient_id == patient_pk, FactRow.kind == "treatment")
        .order_by(FactRow.id)
    ).all()
    return _recorded_all(session, rows)


def pharmacogenomic_results(*, session: Session, access: Access) -> list[RecordedFact]:
    """One patient's germline pharmacogene results (kind ``pgx``) with provenance, oldest first;
    the gate's proof may be for viewing or editing the record, as for :func:`treatments`."""
    editing = access.action == Action.EDIT_RECORD
    gate.require(access, Action.EDIT_RECORD if editing else Action.VIEW_RECORD)
    patient_pk = gate.record_key(session, access)
    rows = session.scalars(
        select(FactRow)
        .options(defer(FactRow.raw))
        .where(FactRow.patient_id == patient_pk, FactRow.kind == "pgx")
        .order_by(FactRow.id)
    ).all()
    return _recorded_all(session, rows)


def _raw(session: Session, row: FactRow) -> str | None:
    """Inline (before 0004, or a record holding the block separator) or from its block."""
    if row.raw is not None or row.raw_block is None or row.raw_index is None:
        return row.raw
    block = session.get(RawBlockRow, row.raw_block)
    return block.record(row.raw_index) if block is not None else None


def _recorded_all(session: Session, rows: Sequence[FactRow]) -> list[RecordedFact]:
    ids = {row.import_id for row in rows}
    imports = (
        {imp.id: imp for imp in session.scalars(select(ImportRow).where(ImportRow.id.in_(ids)))}
        if ids
        else {}
    )
    return [_recorded(row, imports[row.import_id]) for row in rows]


def _recorded(row: FactRow, imp: ImportRow) -> RecordedFact:
    fact = _fact_reader().validate_python({"kind": row.kind, **row.payload})
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
        for date, label in _dated(fact):
            entries.append(
                TimelineEntry(
                    date=date,
                    kind=fact.kind,
                    label=label,
                    provenance=recorded.provenance,
                    fact_id=recorded.fact_id,
                )
            )
    return sorted(entries, key=lambda e: e.date)


def _dated(fact: AnyFact) -> list[tuple[str, str]]:
    """A fact's (date, label) events: its main date, and a treatment's end as its own event."""
    date = next(
        (
            getattr(fact, name)
            for name in ("onset", "start", "collected", "effective")
            if getattr(fact, name, None)
        ),
        None,
    )
    events = [(str(date), describe(fact))] if date else []
    if isinstance(fact, Treatment) and fact.end:
        events.append((str(fact.end), f"{describe(fact)} (ended)"))
    return events
