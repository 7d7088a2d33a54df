# SPDX-License-Identifier: Apache-2.0
"""Clinical documents a clinician released to the patient: a frozen copy, not a live view."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oncoboard.store.base import Base


class ReleasedDocumentRow(Base):
    """What the patient sees is what the clinician released: the report's canonical JSON as it
    was (a later knowledge-base release does not change it), until the release is withdrawn."""

    __tablename__ = "released_documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    released_by: Mapped[str] = mapped_column(String(64), nullable=False)
    released_by_name: Mapped[str] = mapped_column(String(200), nullable=False)
    released_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_released_documents_patient", "patient_id", "released_at"),)
