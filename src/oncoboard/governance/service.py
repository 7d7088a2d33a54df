# SPDX-License-Identifier: Apache-2.0
"""Governance use cases behind API, CLI and web: consent, access logs, audit export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.governance import consent, gate
from oncoboard.governance.gate import Access
from oncoboard.governance.models import AuditRow
from oncoboard.governance.vocabulary import CONSENT_PURPOSES, Action

SELF_SERVICE = "patient self-service"


class ConsentOverview(BaseModel):
    model_config = ConfigDict(frozen=True)
    patient_id: str
    current: list[consent.ConsentState]
    history: list[consent.ConsentEvent]


class AccessLogEntry(BaseModel):
    """One line of "who accessed my record", as a patient or clinician sees it."""

    model_config = ConfigDict(frozen=True)
    at: str
    actor: str
    roles: str
    action: str
    purpose: str
    object: str
    outcome: str
    break_glass: bool
    reason: str | None


class AuditLine(BaseModel):
    """One exported audit entry, with the hashes that chain it to its neighbours."""

    seq: int
    at: str
    actor: str
    roles: str
    action: str
    purpose: str
    patient: str | None
    object: str
    outcome: str
    reason: str | None
    break_glass: bool
    request_id: str | None
    prev_hash: str
    entry_hash: str


def consent_overview(session: Session, *, access: Access) -> ConsentOverview:
    patient_pk = gate.record_key(session, access)
    return ConsentOverview(
        patient_id=access.patient_id or "",
        current=[consent.state(session, patient_pk, purpose) for purpose in CONSENT_PURPOSES],
        history=consent.history(session, patient_pk),
    )


def change_consent(
    session: Session, *, access: Access, consent_in: consent.ConsentIn
) -> consent.ConsentEvent:
    """Append a grant or withdrawal; a patient's own change is recorded as self-service."""
    if access.action != Action.MANAGE_CONSENT:
        raise ValueError("change_consent needs access granted for manage_consent")
    if access.actor.is_patient_only:
        consent_in = consent_in.model_copy(update={"source": SELF_SERVICE})
    return consent.record(
        session,
        patient_pk=gate.record_key(session, access),
        consent_in=consent_in,
        recorded_by=access.actor.username,
    )


def access_log(session: Session, *, access: Access, limit: int = 200) -> list[AccessLogEntry]:
    """Who read or changed this patient's record, newest first (denials included)."""
    rows = session.scalars(
        select(AuditRow)
        .where(AuditRow.patient == access.patient_id)
        .order_by(AuditRow.id.desc())
        .limit(limit)
    )
    return [
        AccessLogEntry(
            at=r.at,
            actor=r.actor,
            roles=r.roles,
            action=r.action,
            purpose=r.purpose,
            object=r.object,
            outcome=r.outcome,
            break_glass=r.break_glass,
            reason=r.reason,
        )
        for r in rows
    ]


def export_audit(
    session: Session,
    *,
    access: Access,
    patient: str | None = None,
    actor: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Iterator[str]:
    """JSON Lines of audit entries in chain order, filtered; each line carries its hashes."""
    if access.action != Action.READ_AUDIT:
        raise ValueError("export_audit needs access granted for read_audit")
    query = select(AuditRow).order_by(AuditRow.id)
    if patient:
        query = query.where(AuditRow.patient == patient)
    if actor:
        query = query.where(AuditRow.actor == actor)
    if since:
        query = query.where(AuditRow.at >= since.isoformat())
    if until:
        query = query.where(AuditRow.at < _next_day(until))
    for row in session.execute(query.execution_options(yield_per=5000)).scalars():
        yield json.dumps(
            {
                "seq": row.id,
                "at": row.at,
                "actor": row.actor,
                "roles": row.roles,
                "action": row.action,
                "purpose": row.purpose,
                "patient": row.patient,
                "object": row.object,
                "outcome": row.outcome,
                "reason": row.reason,
                "break_glass": row.break_glass,
                "request_id": row.request_id,
                "prev_hash": row.prev_hash,
                "entry_hash": row.entry_hash,
            },
            ensure_ascii=False,
            sort_keys=True,
        )


def _next_day(day: date) -> str:
    from datetime import timedelta

    return (day + timedelta(days=1)).isoformat()
