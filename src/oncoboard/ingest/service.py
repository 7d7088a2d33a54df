# SPDX-License-Identifier: Apache-2.0
"""Import and validate sources: all-or-nothing per file, idempotent, provenance on every fact."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Literal, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncoboard.errors import InputError, PermissionDenied
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.ingest import tumor_type
from oncoboard.ingest.limits import DuplicateRecords, IngestLimits, check_source
from oncoboard.ingest.models import ImportRow
from oncoboard.ingest.reader import Reader
from oncoboard.ingest.registry import reader_for
from oncoboard.ingest.schemas import (
    ImportOptions,
    ImportReport,
    ProblemLog,
    Progress,
    SourceFile,
    TooManyProblems,
)
from oncoboard.ingest.sniff import sniff
from oncoboard.ingest.writer import FactWriter, Prepared, prepare

ReaderFactory = Callable[[str], Reader]
_Item = TypeVar("_Item")


def import_source(
    *,
    session: Session,
    source: SourceFile,
    options: ImportOptions,
    batch_size: int = 5000,
    progress: Progress | None = None,
    actor: str | None = None,
    readers: ReaderFactory = reader_for,
    import_id: str | None = None,
    limits: IngestLimits | None = None,
) -> ImportReport:
    """Import one file inside the caller's unit of work; raise on any problem (caller rolls back).

    Re-importing the same content with the same options changes nothing and says so. The file
    is checked against the size and line caps first; a record repeated exactly is a problem.
    """
    source_format = sniff(source.path)
    check_source(source.path, source.name, source_format, limits or IngestLimits())
    reader = readers(source_format)
    condition = tumor_type.check(options, source.name)
    existing = session.scalar(
        select(ImportRow).where(
            ImportRow.source_sha256 == source.sha256,
            ImportRow.importer == reader.name,
            ImportRow.options_key == options.key(),
        )
    )
    if existing is not None:
        return _report(existing, status="unchanged")
    row = ImportRow(
        id=import_id or str(uuid.uuid4()),
        source_name=source.name,
        source_sha256=source.sha256,
        source_format=source_format,
        importer=reader.name,
        importer_version=reader.version,
        options_key=options.key(),
        imported_by=actor,
        fact_counts={},
        patients=[],
        notes=[],
    )
    session.add(row)
    session.flush()
    writer = FactWriter(
        session=session, import_id=row.id, batch_size=batch_size, patient_override=options.patient
    )
    log = ProblemLog(source=source.name)
    seen = 0
    repeats = DuplicateRecords()
    rows = _with_progress(_prepared(reader, source, options, log), progress, batch_size)
    try:
        for prepared in rows:
            seen += 1
            earlier = repeats.add(prepared.patient_key, prepared.locator, prepared.raw)
            if earlier is not None:
                _repeated(log, prepared.locator, earlier, prepared.raw)
            if not log:
                writer.add_row(prepared)
        for locator, earlier in repeats.finish():
            _repeated(log, locator, earlier, None)
    except TooManyProblems as stopped:
        problems = max(stopped.problems, log.problems, key=len)
        raise InputError(str(stopped.args[0]), problems) from None
    if log:
        # records read = good ones plus the distinct records that had problems
        records = seen + len({p.locator for p in log.problems})
        raise InputError(
            f"{source.name}: {len(log.problems)} problem(s); 0 of {records} records imported",
            log.problems,
        )
    if condition is not None:
        for fact in tumor_type.facts(condition, writer.patients):
            writer.add(fact)
    writer.flush()
    row.fact_counts = dict(writer.counts)
    row.patients = writer.patients
    row.notes = list(log.notes) or ([] if seen else ["the file holds no records to import"])
    session.flush()
    return _report(row, status="imported")


def _repeated(log: ProblemLog, locator: str, earlier: str, raw: str | None) -> None:
    """An exact duplicate record would store every fact twice (a 5 MB gzip of one record
    repeated stored 2.4 million): a located problem, like any other."""
    log.add(
        locator,
        "record",
        (raw or "")[:80] or "(same text)",
        f"a record that is not an exact repeat of {earlier}",
    )


def import_as(
    *,
    session: Session,
    access: Access,
    source: SourceFile,
    options: ImportOptions,
    batch_size: int = 5000,
    progress: Progress | None = None,
    import_id: str | None = None,
    limits: IngestLimits | None = None,
) -> ImportReport:
    """Import on behalf of a user who passed the gate to edit records.

    Every patient the file touches passes the gate too (consent for treatment included), so
    an objection refuses the whole file, and each patient gets an audit entry for the write.
    """
    if access.action != Action.EDIT_RECORD or access.purpose != Purpose.TREATMENT:
        raise PermissionDenied(f"importing needs edit_record for treatment, not {access.action}")
    report = import_source(
        session=session,
        source=source,
        options=options,
        batch_size=batch_size,
        progress=progress,
        actor=access.actor.username,
        import_id=import_id,
        limits=limits,
    )
    if report.status == "imported":
        for patient in report.patients:
            gate.authorize(
                session,
                actor=access.actor,
                action=Action.EDIT_RECORD,
                purpose=Purpose.TREATMENT,
                patient_id=patient,
                obj=f"import {report.import_id}: {report.source_name}",
            )
    return report


def authorize_import(session: Session, actor: Actor, name: str) -> Access:
    """The gate for starting an import (before the file's patients are known)."""
    return gate.authorize(
        session,
        actor=actor,
        action=Action.EDIT_RECORD,
        purpose=Purpose.TREATMENT,
        obj=f"import {name}",
    )


def validate_source(
    *,
    source: SourceFile,
    options: ImportOptions,
    readers: ReaderFactory = reader_for,
    limits: IngestLimits | None = None,
) -> tuple[ImportReport, ProblemLog]:
    """Read a source fully without storing anything; return counts and every problem (up to
    ``MAX_PROBLEMS``, then reading stops and the log says so)."""
    source_format = sniff(source.path)
    check_source(source.path, source.name, source_format, limits or IngestLimits())
    reader = readers(source_format)
    tumor_type.check(options, source.name)
    log = ProblemLog(source=source.name)
    counts: Counter[str] = Counter()
    patients: set[str] = set()
    repeats = DuplicateRecords()
    try:
        for parsed in reader.read(source, options, log):
            counts[parsed.fact.kind] += 1
            patients.add(options.patient or parsed.patient_key)
            earlier = repeats.add(parsed.patient_key, parsed.locator, parsed.raw)
            if earlier is not None:
                _repeated(log, parsed.locator, earlier, parsed.raw)
        for locator, earlier in repeats.finish():
            _repeated(log, locator, earlier, None)
    except TooManyProblems as stopped:
        log.notes.append(str(stopped.args[0]))
    report = ImportReport(
        import_id="",
        source_name=source.name,
        source_sha256=source.sha256,
        source_format=source_format,
        importer=reader.name,
        importer_version=reader.version,
        status="valid",
        fact_counts=dict(counts),
        patients=sorted(patients),
        notes=list(log.notes),
    )
    return report, log


def list_imports(*, session: Session, limit: int = 100, offset: int = 0) -> list[ImportReport]:
    rows = session.scalars(
        select(ImportRow).order_by(ImportRow.imported_at.desc()).limit(limit).offset(offset)
    )
    return [_report(row, status="imported") for row in rows]


def count_imports(*, session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ImportRow)) or 0)


def _prepared(
    reader: Reader, source: SourceFile, options: ImportOptions, log: ProblemLog
) -> Iterator[Prepared]:
    """Serialised facts to store: from the reader itself when it offers them (the VCF reader
    reads large files in a second process), else from its parsed facts."""
    rows: Callable[[SourceFile, ImportOptions, ProblemLog], Iterator[Prepared]] | None
    rows = getattr(reader, "rows", None)
    if rows is not None:
        return rows(source, options, log)
    return map(prepare, reader.read(source, options, log))


def _with_progress(
    facts: Iterator[_Item], progress: Progress | None, every: int
) -> Iterator[_Item]:
    if progress is None:
        yield from facts
        return
    done = 0
    for fact in facts:
        yield fact
        done += 1
        if done % every == 0:
            progress(done)
    progress(done)


def _report(row: ImportRow, *, status: Literal["imported", "unchanged"]) -> ImportReport:
    return ImportReport(
        import_id=row.id,
        source_name=row.source_name,
        source_sha256=row.source_sha256,
        source_format=row.source_format,
        importer=row.importer,
        importer_version=row.importer_version,
        status=status,
        fact_counts=dict(row.fact_counts or {}),
        patients=list(row.patients or []),
        notes=list(row.notes or []),
        imported_at=row.imported_at,
    )
