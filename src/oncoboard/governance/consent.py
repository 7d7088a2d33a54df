# SPDX-License-Identifier: Apache-2.0
"""Consent per purpose with full history (GDPR Arts 7 and 9): grants and withdrawals are
appended, never rewritten; the latest event per purpose is the one in force.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from oncoboard.governance.models import ConsentEventRow
from oncoboard.governance.vocabulary import LEGAL_BASIS, OPT_OUT_PURPOSES, Purpose
from oncoboard.record.models import PatientRow

ConsentStatus = Literal["granted", "withdrawn"]


class ConsentIn(BaseModel):
    purpose: Purpose
    status: ConsentStatus
    source: str = Field(
        min_length=1, max_length=256, description="paper form reference, or 'patient self-service'"
    )
    note: str | None = Field(default=None, max_length=2000)


class ConsentEvent(BaseModel):
    model_config = ConfigDict(frozen=True)
    purpose: Purpose
    status: ConsentStatus
    recorded_at: datetime
    recorded_by: str
    source: str
    note: str | None


class ConsentState(BaseModel):
    """What is in force for one purpose and why access is or is not allowed."""

    model_config = ConfigDict(frozen=True)
    purpose: Purpose
    legal_basis: str
    in_force: ConsentStatus | None
    since: datetime | None
    allows_access: bool


def history(session: Session, patient_pk: int) -> list[ConsentEvent]:
    rows = session.scalars(
        select(ConsentEventRow)
        .where(ConsentEventRow.patient_id == patient_pk)
        .order_by(ConsentEventRow.id)
    )
    return [
        ConsentEvent(
            purpose=Purpose(r.purpose),
            status=r.status,
            recorded_at=r.recorded_at,
            recorded_by=r.recorded_by,
            source=r.source,
            note=r.note,
        )
        for r in rows
    ]


def state(session: Session, patient_pk: int | None, purpose: Purpose) -> ConsentState:
    """The consent in force now; opt-out purposes allow access unless withdrawn."""
    latest = None
    if patient_pk is not None:
        latest = session.scalars(
            select(ConsentEventRow)
            .where(ConsentEventRow.patient_id == patient_pk, ConsentEventRow.purpose == purpose)
            .order_by(ConsentEventRow.id.desc())
            .limit(1)
        ).first()
    return _in_force(
        purpose, latest.status if latest else None, latest.recorded_at if latest else None
    )


def state_of(
    session: Session, patient_id: str, purpose: Purpose
) -> tuple[int | None, ConsentState]:
    """The patient's key (None: no such patient) and the consent in force, in one statement:
    the gate asks on every access to a record."""
    found = session.execute(
        _KEY_AND_LATEST_CONSENT, {"patient": patient_id, "purpose": purpose.value}
    ).first()
    if found is None:
        return None, _in_force(purpose, None, None)
    return found.id, _in_force(purpose, found.status, found.recorded_at)


def _key_and_latest_consent() -> Select[int, str, datetime]:
    # built once: building a statement costs several times what running it does
    event = aliased(ConsentEventRow)
    latest = (
        select(event.id)
        .where(event.patient_id == PatientRow.id, event.purpose == bindparam("purpose"))
        .order_by(event.id.desc())
        .limit(1)
        .correlate(PatientRow)
        .scalar_subquery()
    )
    return (
        select(PatientRow.id, ConsentEventRow.status, ConsentEventRow.recorded_at)
        .outerjoin(ConsentEventRow, ConsentEventRow.id == latest)
        .where(PatientRow.external_id == bindparam("patient"))
    )


_KEY_AND_LATEST_CONSENT = _key_and_latest_consent()


def _in_force(purpose: Purpose, status: str | None, since: datetime | None) -> ConsentState:
    # opt-out purposes hold unless withdrawn; opt-in purposes need a grant in force
    allows = status != "withdrawn" if purpose in OPT_OUT_PURPOSES else status == "granted"
    return ConsentState(
        purpose=purpose,
        legal_basis=LEGAL_BASIS.get(purpose, "operations"),
        in_force=status,
        since=since,
        allows_access=allows,
    )


def record(
    session: Session, *, patient_pk: int, consent_in: ConsentIn, recorded_by: str
) -> ConsentEvent:
    """Append a grant or withdrawal; the caller has passed the gate."""
    row = ConsentEventRow(
        patient_id=patient_pk,
        purpose=consent_in.purpose.value,
        status=consent_in.status,
        recorded_by=recorded_by,
        source=consent_in.source,
        note=consent_in.note,
    )
    session.add(row)
    session.flush()
    return ConsentEvent(
        purpose=consent_in.purpose,
        status=consent_in.status,
        recorded_at=row.recorded_at,
        recorded_by=recorded_by,
        source=row.source,
        note=row.note,
    )
