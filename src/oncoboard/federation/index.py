# SPDX-License-Identifier: Apache-2.0
"""The research index: the patient record reduced to the columns count queries filter on.

Kept current without a manual step: before every count, the patients of imports not yet indexed
are re-derived from all their facts (one anti-join on the small imports table when nothing is
new). Consent is not copied: counts join the live consent through the gate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session

from oncoboard.federation.engine import IndexEntry, index_entry
from oncoboard.federation.models import (
    IndexedDiagnosisRow,
    IndexedImportRow,
    IndexedIndividualRow,
    IndexedTreatmentRow,
    IndexedVariantRow,
)
from oncoboard.ingest.models import ImportRow
from oncoboard.record.models import FactRow, PatientRow, utcnow

_KINDS = ("demographics", "condition", "treatment")
_VARIANT_FIELDS = ("genome_build", "chrom", "pos", "ref", "alt", "gene", "hgvs_p", "origin")
_CHUNK = 500
INDEX_TABLES = (IndexedIndividualRow, IndexedDiagnosisRow, IndexedTreatmentRow, IndexedVariantRow)


def refresh(session: Session) -> int:
    """Index the patients of every import not indexed yet; returns how many were (re)indexed."""
    new_imports = list(
        session.scalars(
            select(ImportRow.id).where(
                ~select(IndexedImportRow.import_id)
                .where(IndexedImportRow.import_id == ImportRow.id)
                .exists()
            )
        )
    )
    if not new_imports:
        return 0
    patients: set[int] = set()
    for chunk in _chunks(new_imports):
        patients |= set(
            session.scalars(
                select(FactRow.patient_id).where(FactRow.import_id.in_(chunk)).distinct()
            )
        )
    reindex(session, sorted(patients))
    now = utcnow()
    session.connection().execute(
        insert(_table(IndexedImportRow)),
        [{"import_id": i, "indexed_at": now} for i in new_imports],
    )
    return len(patients)


def rebuild(session: Session) -> int:
    """Drop the whole index and derive it again from the record."""
    for table in (*INDEX_TABLES, IndexedImportRow):
        session.execute(delete(table))
    return refresh(session)


def reindex(session: Session, patient_ids: Sequence[int]) -> None:
    """Derive the index rows of these patients again from all their facts."""
    for chunk in _chunks(patient_ids):
        for table in INDEX_TABLES:
            session.execute(delete(table).where(table.patient_id.in_(chunk)))
        facts: dict[int, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        rows = session.execute(
            select(FactRow.patient_id, FactRow.kind, FactRow.payload)
            .where(FactRow.patient_id.in_(chunk), FactRow.kind.in_(_KINDS))
            .order_by(FactRow.id)
        )
        for patient_id, kind, payload in rows:
            facts[patient_id].append((kind, payload))
        # variants are most of a record: read only the fields the index keeps, in SQL, instead
        # of decoding every payload (other transcripts included) in Python
        p = FactRow.payload
        variants = session.execute(
            select(
                FactRow.patient_id,
                FactRow.genome_build,
                p["chrom"].as_string(),
                p["pos"].as_integer(),
                p["ref"].as_string(),
                p["alt"].as_string(),
                FactRow.gene,
                p["hgvs_p"].as_string(),
                p["origin"].as_string(),
            ).where(FactRow.patient_id.in_(chunk), FactRow.kind == "variant")
        )
        for patient_id, *values in variants:
            facts[patient_id].append(("variant", dict(zip(_VARIANT_FIELDS, values, strict=True))))
        write(session, [index_entry(p, facts.get(p, [])) for p in chunk], utcnow())


def write(session: Session, entries: Iterable[IndexEntry], now: datetime) -> None:
    """Insert index rows for entries (their old rows must be gone)."""
    people, diagnoses, classes, variants = [], [], [], []
    for e in entries:
        people.append(
            {
                "patient_id": e.patient_id,
                "sex": e.sex,
                "birth_date": e.birth_date,
                "age_years": e.age_years,
                "indexed_at": now,
            }
        )
        diagnoses += [
            {
                "patient_id": e.patient_id,
                "oncotree_code": code,
                "stage": stage,
                "stage_group": group,
            }
            for code, stage, group in e.diagnoses
        ]
        classes += [{"patient_id": e.patient_id, "treatment_class": c} for c in e.treatment_classes]
        variants += [
            {
                "patient_id": e.patient_id,
                "genome_build": v[0],
                "chrom": v[1],
                "pos": v[2],
                "ref": v[3],
                "alt": v[4],
                "gene": v[5],
                "protein": v[6],
                "origin": v[7],
            }
            for v in e.variants
        ]
    for table, rows in (
        (IndexedIndividualRow, people),
        (IndexedDiagnosisRow, diagnoses),
        (IndexedTreatmentRow, classes),
        (IndexedVariantRow, variants),
    ):
        if rows:  # Core executemany: the ORM's per-row bookkeeping is not needed here
            session.connection().execute(insert(_table(table)), rows)


def last_update(session: Session) -> datetime | None:
    """When the newest data the index reflects was imported."""
    return session.scalar(
        select(func.max(ImportRow.imported_at)).join(
            IndexedImportRow, IndexedImportRow.import_id == ImportRow.id
        )
    )


def indexed_patients(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(IndexedIndividualRow)) or 0)


def patients_total(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(PatientRow)) or 0)


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)
