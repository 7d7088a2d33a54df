# SPDX-License-Identifier: Apache-2.0
"""Cell-therapy tables: cases (an index), the append-only batch record, alerts, signing keys.

The batch record is the source of truth: ``celltherapy_cases`` only indexes it (patient, status,
chain head), and every decision replays the verified record. ``celltherapy_record`` refuses
UPDATE, DELETE and TRUNCATE on PostgreSQL (migration 0015).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oncoboard.record.models import utcnow
from oncoboard.store.base import Base


class CellTherapyCaseRow(Base):
    __tablename__ = "celltherapy_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    coi: Mapped[str] = mapped_column(String(15), nullable=False, unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False)
    product: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    last_step: Mapped[str | None] = mapped_column(String(32))
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (Index("ix_celltherapy_cases_patient", "patient_id"),)


class CellTherapyEntryRow(Base):
    """One hash-chained batch-record entry; the body is the exact text that was hashed."""

    __tablename__ = "celltherapy_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("celltherapy_cases.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    step: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    signature: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_celltherapy_record_case_seq"),)


class CellTherapyIdentifierRow(Base):
    """Which case a scanned label identifier belongs to, so a bag from another case is named."""

    __tablename__ = "celltherapy_identifiers"

    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("celltherapy_cases.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)


class CellTherapyAlertRow(Base):
    __tablename__ = "celltherapy_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("celltherapy_cases.id"), nullable=False)
    entry_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    raised_by: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_celltherapy_alerts_status", "status", "raised_at"),)


class SigningKeyRow(Base):
    """A user's Ed25519 key: public key in clear, private key PKCS#8-encrypted with the
    user's password (decrypted only at signing, after re-authentication)."""

    __tablename__ = "celltherapy_signing_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    public_key: Mapped[str] = mapped_column(String(64), nullable=False)
    encrypted_private_key: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_celltherapy_signing_keys_user", "username", "id"),)
