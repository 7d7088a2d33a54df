# SPDX-License-Identifier: Apache-2.0
"""Import and validate sources: all-or-nothing per file, idempotent, provenance on every fact."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Literal, TypeVar

from sqlalchemy import Select, func, select
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
from oncoboard.record.ids import EXPECTED, check_patient_id, patient_id_problem
from oncoboard.record.models import FactRow, PatientRow

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
    source_format: str | None = None,
) -> ImportReport:
    """Import one file inside the caller's unit of work; raise on any problem (caller rolls back).

    Re-importing the same content with the same options changes nothing and says so. The file
    is checked against the size and line caps first; a record repeated exactly is a problem.
    """
    source_format = source_format or sniff(source.path)
    check_source(source.path, source.name, source_format, limits or IngestLimits())
    if options.patient is not None:
        check_patient_id(options.patient, source=source.name, locator="--patient")
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
    rows = _with_progress(_prepared(reader, source, options, log), progress, batch_size)
    seen = _write_checked(rows, writer, log, options)
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


def _write_checked(
    rows: Iterator[Prepared], writer: FactWriter, log: ProblemLog, options: ImportOptions
) -> int:
    """Hand the rows to the writer until the first problem (then only read on, to list them
    all); patient ids and exact repeats are checked here. Returns the rows read."""
    seen = 0
    repeats = DuplicateRecords()
    patients = _PatientKeys(log, options.patient)
    try:
        for prepared in rows:
            seen += 1
            patients.check(prepared.patient_key, prepared.locator)
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
    return seen


class _PatientKeys:
    """Each patient id a file names, checked once (record/ids.py); ``--patient`` replaces them."""

    def __init__(self, log: ProblemLog, override: str | None) -> None:
        self._log, self._override = log, override
        self._seen: set[str] = set()

    def check(self, key: str, locator: str) -> None:
        if self._override is not None or key in self._seen:
            return
        self._seen.add(key)
        if patient_id_problem(key) is not None:
            self._log.add(locator, "patient id", key[:200], EXPECTED)


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
    source_format: str | None = None,
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
        source_format=source_format,
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
    source_format: str | None = None,
) -> tuple[ImportReport, ProblemLog]:
    """Read a source fully without storing anything; return counts and every problem (up to
    ``MAX_PROBLEMS``, then reading stops and the log says so)."""
    source_format = source_format or sniff(source.path)
    check_source(source.path, source.name, source_format, limits or IngestLimits())
    if options.patient is not None:
        check_patient_id(options.patient, source=source.name, locator="--patient")
    reader = readers(source_format)
    tumor_type.check(options, source.name)
    log = ProblemLog(source=source.name)
    counts: Counter[str] = Counter()
    patients: set[str] = set()
    repeats = DuplicateRecords()
    keys = _PatientKeys(log, options.patient)
    try:
        for parsed in reader.read(source, options, log):
            keys.check(parsed.patient_key, parsed.locator)
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


def list_imports(
    *, session: Session, access: Access, limit: int = 100, offset: int = 0
) -> list[ImportReport]:
    """The import ledger as the caller may see it, newest first.

    A patient sees only the imports that hold facts about them, with only their own id and
    fact counts; staff see every import, without the ids of patients whose treatment consent
    is withdrawn (as every patient list hides them).
    """
    gate.require(access, Action.VIEW_RECORD, patient_scoped=False)
    rows = session.scalars(
        _ledger_query(access)
        .order_by(ImportRow.imported_at.desc(), ImportRow.id)
        .limit(limit)
        .offset(offset)
    ).all()
    if access.actor.is_patient_only:
        return [_own_view(session, row, access.actor.patient_external_id or "") for row in rows]
    hidden = _hidden_patients(session, access)
    return [_staff_view(row, hidden) for row in rows]


def count_imports(*, session: Session, access: Access) -> int:
    gate.require(access, Action.VIEW_RECORD, patient_scoped=False)
    query = _ledger_query(access).with_only_columns(func.count()).order_by(None)
    return int(session.scalar(query) or 0)


def _ledger_query(access: Access) -> Select[ImportRow]:
    query = select(ImportRow)
    if access.actor.is_patient_only:
        own = (
            select(FactRow.import_id)
            .join(PatientRow, PatientRow.id == FactRow.patient_id)
            .where(PatientRow.external_id == (access.actor.patient_external_id or ""))
        )
        query = query.where(ImportRow.id.in_(own))
    return query


def _own_view(session: Session, row: ImportRow, patient: str) -> ImportReport:
    counts = dict(
        session.execute(
            select(FactRow.kind, func.count())
            .join(PatientRow, PatientRow.id == FactRow.patient_id)
            .where(FactRow.import_id == row.id, PatientRow.external_id == patient)
            .group_by(FactRow.kind)
        ).all()
    )
    report = _report(row, status="imported")
    return report.model_copy(
        update={"patients": [patient], "fact_counts": counts, "notes": [], "importer": row.importer}
    )


def _hidden_patients(session: Session, access: Access) -> set[str]:
    return set(
        session.scalars(
            select(PatientRow.external_id).where(
                ~gate.visible_patients(access.actor, Purpose.TREATMENT)
            )
        )
    )


def _staff_view(row: ImportRow, hidden: set[str]) -> ImportReport:
    report = _report(row, status="imported")
    shown = [p for p in report.patients if p not in hidden]
    if len(shown) == len(report.patients):
        return report
    withheld = len(report.patients) - len(shown)
    note = f"{withheld} patient id(s) not shown: treatment consent withdrawn"
    return report.model_copy(update={"patients": shown, "notes": [*report.notes, note]})


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
