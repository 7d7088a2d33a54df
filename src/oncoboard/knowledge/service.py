# SPDX-License-Identifier: Apache-2.0
"""Publish, list, show and diff knowledge-base releases; every call carries the gate's proof.

Releases are immutable and content-hashed: the same bytes again answer "already imported",
a different file under an existing release id is a ``Conflict``, and a release failing QC is
refused whole with every problem listed (nothing is written). Services never commit.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from oncoboard.errors import Conflict, InputError, NotFound, PermissionDenied
from oncoboard.governance import gate, pseudonyms
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose, allowed_purposes
from oncoboard.knowledge import qc
from oncoboard.knowledge.models import KbAssertionRow, KbDroppedRow, KbReleaseRow
from oncoboard.knowledge.reader import KbRead, KbReader
from oncoboard.knowledge.schemas import (
    Assertion,
    AssertionSummary,
    ChangedAssertion,
    DroppedRow,
    KbDiff,
    KbReleaseDetail,
    KbReleaseInfo,
    PatientImpact,
    PublishReport,
    ReleaseProvenance,
)

# Reading the knowledge base is not patient data, but it is still gated and audited: anyone
# who may view records for care or research, or read the audit trail, may read it.
READ_ACCESS = (
    (Action.VIEW_RECORD, Purpose.TREATMENT),
    (Action.VIEW_RECORD, Purpose.RESEARCH),
    (Action.READ_AUDIT, Purpose.OPERATIONS),
)
# Patient impact of a diff reads patient data: for care first, else for research.
IMPACT_PURPOSES = (Purpose.TREATMENT, Purpose.RESEARCH)


def authorize_import(session: Session, actor: Actor, what: str) -> Access:
    """Publishing a release changes what every report says: administrators only."""
    return gate.authorize(
        session,
        actor=actor,
        action=Action.ADMINISTER,
        purpose=Purpose.OPERATIONS,
        obj=f"knowledge base: import {what}"[:256],
    )


def authorize_read(session: Session, actor: Actor, what: str) -> Access:
    """The first of ``READ_ACCESS`` the actor's roles allow; refused (and audited) if none."""
    action, purpose = next(
        ((a, p) for a, p in READ_ACCESS if p in allowed_purposes(actor.roles, a)), READ_ACCESS[0]
    )
    return gate.authorize(
        session, actor=actor, action=action, purpose=purpose, obj=f"knowledge base: {what}"[:256]
    )


def _require_read(access: Access) -> None:
    if (access.action, access.purpose) not in READ_ACCESS:
        raise PermissionDenied(f"access was granted for {access.action.value}, not a KB read")


def content_sha256(path: Path) -> str:
    """sha256 of the file's bytes; for a folder, of its sorted relative names and bytes."""
    digest = hashlib.sha256()
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(file.relative_to(path).as_posix().encode() + b"\x00")
            digest.update(file.read_bytes())
        return digest.hexdigest()
    try:
        digest.update(path.read_bytes())
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from error
    return digest.hexdigest()


def publish(
    *, session: Session, access: Access, reader: KbReader, path: Path, reader_name: str
) -> PublishReport:
    """Read, check and store one release; all or nothing, idempotent for the same bytes."""
    gate.require(access, Action.ADMINISTER, patient_scoped=False)
    started = time.perf_counter()
    sha256 = content_sha256(path)
    same = session.scalars(
        select(KbReleaseRow).where(
            KbReleaseRow.sha256 == sha256, KbReleaseRow.reader == reader_name
        )
    ).first()
    if same is not None:
        return _already(session, same, started)
    read = reader.read(path)
    release_id = f"{read.source}@{read.release}"
    existing = session.get(KbReleaseRow, release_id)
    if existing is not None:
        if existing.sha256 == sha256:
            return _already(session, existing, started)
        raise Conflict(
            f"{path.name}: release {release_id} is already stored from {existing.file_name} "
            f"(sha256 {existing.sha256[:12]}…); this file differs (sha256 {sha256[:12]}…). "
            "Releases are immutable."
        )
    problems = qc.run(read, name=path.name)
    if problems:
        raise InputError(
            f"{path.name}: release {release_id} refused: {len(problems)} problem(s); "
            "nothing was imported",
            problems,
        )
    row = _store(session, read, release_id, sha256, path.name, reader_name, access)
    return PublishReport(
        status="imported",
        release=_info(row),
        dropped=list(read.dropped),
        seconds=time.perf_counter() - started,
    )


def _already(session: Session, row: KbReleaseRow, started: float) -> PublishReport:
    return PublishReport(
        status="already imported",
        release=_info(row),
        dropped=_dropped(session, row.release_id),
        seconds=time.perf_counter() - started,
    )


def _store(
    session: Session,
    read: KbRead,
    release_id: str,
    sha256: str,
    file_name: str,
    reader_name: str,
    access: Access,
) -> KbReleaseRow:
    row = KbReleaseRow(
        release_id=release_id,
        source=read.source,
        release=read.release,
        release_date=read.release_date,
        sha256=sha256,
        file_name=file_name,
        reader=reader_name,
        licence=read.licence,
        notice=read.notice,
        genome_build=read.genome_build,
        assertion_count=len(read.assertions),
        dropped_count=len(read.dropped),
        counts=_counts(read),
        imported_at=datetime.now(UTC),
        imported_by=access.actor.username,
    )
    session.add(row)
    session.flush()
    if read.assertions:
        session.execute(
            insert(KbAssertionRow), [_assertion_row(release_id, a) for a in read.assertions]
        )
    if read.dropped:
        session.execute(
            insert(KbDroppedRow),
            [
                {"release_id": release_id, "locator": d.locator, "reason": d.reason, "raw": d.raw}
                for d in read.dropped
            ],
        )
    return row


def _assertion_row(release_id: str, assertion: Assertion) -> dict[str, Any]:
    return {
        "release_id": release_id,
        "assertion_id": assertion.assertion_id,
        "gene": primary_gene(assertion.rule),
        "rule_kind": assertion.rule.kind,
        "evidence_class": assertion.evidence_class.value,
        "direction": assertion.direction,
        "payload": assertion.model_dump(mode="json", exclude={"raw"}),
        "raw": json.loads(json.dumps(assertion.raw, default=str)),
    }


def primary_gene(rule: Any) -> str | None:
    """The gene an assertion is filed under (5' partner first for fusions; first in composites).

    ``rule`` is a rule model or its JSON payload.
    """
    # a model's __dict__, not getattr: a field the model lacks raises inside pydantic (slow)
    get = rule.get if isinstance(rule, dict) else vars(rule).get
    for attribute in ("gene", "gene_5p", "gene_3p"):
        value = get(attribute)
        if value:
            return str(value)
    for inner in get("rules") or ():
        found = primary_gene(inner)
        if found:
            return found
    return None


def _counts(read: KbRead) -> dict[str, int]:
    counts: Counter[str] = Counter({"records": read.records_read})
    for assertion in read.assertions:
        counts[f"rule:{assertion.rule.kind}"] += 1
        counts[f"evidence:{assertion.evidence_class.value}"] += 1
        counts[f"direction:{assertion.direction}"] += 1
    return dict(sorted(counts.items()))


def _info(row: KbReleaseRow) -> KbReleaseInfo:
    return KbReleaseInfo(
        release_id=row.release_id,
        source=row.source,
        release=row.release,
        release_date=row.release_date,
        sha256=row.sha256,
        licence=row.licence,
        notice=row.notice,
        genome_build=row.genome_build,
        assertion_count=row.assertion_count,
        dropped_count=row.dropped_count,
        imported_at=row.imported_at,
        counts=dict(row.counts),
    )


def release_info(session: Session, release_id: str) -> KbReleaseInfo:
    """One release's stamp (id, hash, licence, notice), for reports; NotFound if absent."""
    return _info(_release_row(session, release_id))


def _dropped(session: Session, release_id: str) -> list[DroppedRow]:
    rows = session.scalars(
        select(KbDroppedRow).where(KbDroppedRow.release_id == release_id).order_by(KbDroppedRow.id)
    )
    return [DroppedRow(locator=r.locator, reason=r.reason, raw=r.raw) for r in rows]


def list_releases(*, session: Session, access: Access) -> list[KbReleaseInfo]:
    """Every stored release, newest import first."""
    _require_read(access)
    rows = session.scalars(select(KbReleaseRow).order_by(KbReleaseRow.imported_at.desc()))
    return [_info(row) for row in rows]


def _release_row(session: Session, release_id: str) -> KbReleaseRow:
    row = session.get(KbReleaseRow, release_id)
    if row is None:
        raise NotFound(f"knowledge-base release {release_id!r} not found (see 'oncoboard kb list')")
    return row


def get_release(*, session: Session, access: Access, release_id: str) -> KbReleaseDetail:
    """One release with its provenance and every dropped row with the reason."""
    _require_read(access)
    row = _release_row(session, release_id)
    return KbReleaseDetail(
        release=_info(row),
        provenance=ReleaseProvenance(
            file_name=row.file_name, reader=row.reader, imported_by=row.imported_by
        ),
        dropped=_dropped(session, release_id),
    )


def list_assertions(
    *,
    session: Session,
    access: Access,
    release_id: str,
    gene: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AssertionSummary], int]:
    """One page of a release's assertions (optionally one gene's), in natural id order."""
    _require_read(access)
    row = _release_row(session, release_id)
    query = select(KbAssertionRow.payload).where(KbAssertionRow.release_id == release_id)
    if gene:
        query = query.where(func.upper(KbAssertionRow.gene) == gene.strip().upper())
    summaries = sorted(
        (_summary(dict(payload), row.notice) for payload in session.scalars(query)),
        key=lambda summary: _natural(summary.assertion_id),
    )
    return summaries[offset : offset + limit], len(summaries)


def load_assertions(session: Session, release_id: str) -> dict[str, dict[str, Any]]:
    """Normalised payloads of a release by assertion id (the engine's input)."""
    rows = session.execute(
        select(KbAssertionRow.assertion_id, KbAssertionRow.payload).where(
            KbAssertionRow.release_id == release_id
        )
    )
    return {assertion_id: dict(payload) for assertion_id, payload in rows}


def diff(*, session: Session, access: Access, a: str, b: str) -> KbDiff:
    """Assertions added, removed and changed from release ``a`` to release ``b``.

    "Changed" means the same assertion id with a different normalised payload (the raw source
    row is not compared); ``fields`` names what differs, one level deep (``therapy.name``).
    """
    _require_read(access)
    first, second = _release_row(session, a), _release_row(session, b)
    before, after = load_assertions(session, a), load_assertions(session, b)
    changed = [
        ChangedAssertion(
            assertion_id=key,
            fields=fields,
            before=_summary(before[key], first.notice),
            after=_summary(after[key], second.notice),
        )
        for key in sorted(before.keys() & after.keys(), key=_natural)
        if (fields := changed_fields(before[key], after[key]))
    ]
    return KbDiff(
        a=_info(first),
        b=_info(second),
        added=[
            _summary(after[k], second.notice)
            for k in sorted(after.keys() - before.keys(), key=_natural)
        ],
        removed=[
            _summary(before[k], first.notice)
            for k in sorted(before.keys() - after.keys(), key=_natural)
        ],
        changed=changed,
        unchanged=len(before.keys() & after.keys()) - len(changed),
        patients_affected=patients_affected(
            session=session, access=access, a=a, b=b, before=before, after=after
        ),
    )


def patients_affected(
    *,
    session: Session,
    access: Access,
    a: str,
    b: str,
    before: dict[str, dict[str, Any]] | None = None,
    after: dict[str, dict[str, Any]] | None = None,
) -> PatientImpact:
    """Which patients' actionability results differ between releases ``a`` and ``b``, and how.

    Reads patient data, so it passes the gate itself (``view_record`` for treatment, else
    research: whichever the actor's roles allow, audited) and sees only the patients that
    purpose's consent allows. A caller who may read the KB but no patient record (a quality
    officer) gets the diff with this part marked not evaluated, and why.
    """
    from oncoboard.actionability.cohort.impact import diff_impact  # the engine imports this

    allowed = allowed_purposes(access.actor.roles, Action.VIEW_RECORD)
    purpose = next((p for p in IMPACT_PURPOSES if p in allowed), None)
    if purpose is None:
        return PatientImpact(
            evaluated=False,
            note=f"not evaluated: role(s) {access.actor.roles_text or 'none'} may not view "
            "patient records",
        )
    patient_access = gate.authorize(
        session,
        actor=access.actor,
        action=Action.VIEW_RECORD,
        purpose=purpose,
        obj=f"knowledge base: diff {a} {b}: patients affected"[:256],
    )
    impact = diff_impact(
        session=session,
        access=patient_access,
        a=release_info(session, a),
        b=release_info(session, b),
        before=before if before is not None else load_assertions(session, a),
        after=after if after is not None else load_assertions(session, b),
    )
    # research answers carry pseudonyms, never direct identifiers (governance/pseudonyms.py)
    return pseudonyms.for_research(session, impact, access=patient_access)


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Names of differing fields; nested objects are compared one level down."""
    found: list[str] = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            found += [
                f"{key}.{inner}"
                for inner in sorted(old.keys() | new.keys())
                if old.get(inner) != new.get(inner)
            ]
        else:
            found.append(key)
    return found


def _summary(payload: dict[str, Any], notice: str | None) -> AssertionSummary:
    rule = payload["rule"]
    therapy = payload.get("therapy") or {}
    return AssertionSummary(
        assertion_id=payload["assertion_id"],
        rule_kind=rule["kind"],
        gene=primary_gene(rule),
        evidence_class=payload["evidence_class"],
        source_level=payload["source_level"],
        direction=payload["direction"],
        therapy=therapy.get("name"),
        disease=payload["disease"]["name"],
        notice=notice,
    )


def _natural(assertion_id: str) -> tuple[str, int, str]:
    """Sort ``moalmanac:9`` before ``moalmanac:10``."""
    prefix, _, rest = assertion_id.rpartition(":")
    return (prefix, int(rest), "") if rest.isdigit() else (prefix, -1, rest)
