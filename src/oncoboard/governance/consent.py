# SPDX-License-Identifier: Apache-2.0
"""Consent per purpose with full history (GDPR Arts 7 and 9): grants and withdrawals are
appended, never rewritten; the latest event per purpose is the one in force.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.governance.models import ConsentEventRow
from oncoboard.governance.vocabulary import LEGAL_BASIS, OPT_OUT_PURPOSES, Purpose

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
    status = latest.status if latest else None
    # opt-out purposes hold unless withdrawn; opt-in purposes need a grant in force
    allows = status != "withdrawn" if purpose in OPT_OUT_PURPOSES else status == "granted"
    return ConsentState(
        purpose=purpose,
        legal_basis=LEGAL_BASIS.get(purpose, "operations"),
        in_force=status,
        since=latest.recorded_at if latest else None,
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
