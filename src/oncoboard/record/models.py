# SPDX-License-Identifier: Apache-2.0
"""Tables of the patient record: patients and their facts, each fact tied to its import."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oncoboard.store.base import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FactRow(Base):
    """One fact; typed payload as JSON, with the columns queries filter on lifted out."""

    __tablename__ = "facts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False)
    import_id: Mapped[str] = mapped_column(ForeignKey("imports.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    genome_build: Mapped[str | None] = mapped_column(String(8))
    gene: Mapped[str | None] = mapped_column(String(64))
    effective: Mapped[str | None] = mapped_column(String(40))
    locator: Mapped[str] = mapped_column(String(200), nullable=False)
    payload: Mapped[dict[str, object]] = mapped_column(JSON, nullable=False)
    raw: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_facts_patient_kind", "patient_id", "kind", "id"),
        # Variant table filtered or sorted by gene without scanning a 50k-variant tumour (0002).
        Index("ix_facts_patient_kind_gene", "patient_id", "kind", "gene", "id"),
    )
