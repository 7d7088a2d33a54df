# SPDX-License-Identifier: Apache-2.0
"""The import ledger: one row per imported file, the anchor of every fact's provenance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oncoboard.record.models import utcnow
from oncoboard.store.base import Base


class ImportRow(Base):
    __tablename__ = "imports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source_name: Mapped[str] = mapped_column(String(512), nullable=False)
    source_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    source_format: Mapped[str] = mapped_column(String(32), nullable=False)
    importer: Mapped[str] = mapped_column(String(64), nullable=False)
    importer_version: Mapped[str] = mapped_column(String(32), nullable=False)
    options_key: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str | None] = mapped_column(String(128))
    fact_counts: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False, default=dict)
    patients: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    notes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)

    __table_args__ = (
        UniqueConstraint("source_sha256", "importer", "options_key", name="uq_imports_content"),
    )
