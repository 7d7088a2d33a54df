# SPDX-License-Identifier: Apache-2.0
"""Tables of the versioned knowledge base: immutable releases, their assertions, dropped rows.

A release is written once, in one unit of work, and never updated: re-importing the same bytes
answers "already imported", a different file under an existing release id is a conflict
(``knowledge/service.py``). The normalised assertion is ``payload``; the source row is ``raw``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from oncoboard.record.models import utcnow
from oncoboard.store.base import Base


class KbReleaseRow(Base):
    __tablename__ = "kb_releases"

    release_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), nullable=False)
    release: Mapped[str] = mapped_column(String(64), nullable=False)
    release_date: Mapped[date | None] = mapped_column(Date)
    # sha256 of the file bytes as given (for a folder: of its sorted file names and bytes)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    file_name: Mapped[str] = mapped_column(String(512), nullable=False)
    reader: Mapped[str] = mapped_column(String(64), nullable=False)
    licence: Mapped[str] = mapped_column(String(64), nullable=False)
    notice: Mapped[str | None] = mapped_column(Text)
    genome_build: Mapped[str | None] = mapped_column(String(8))
    assertion_count: Mapped[int] = mapped_column(Integer, nullable=False)
    dropped_count: Mapped[int] = mapped_column(Integer, nullable=False)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False, default=dict)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(128), nullable=False)


class KbAssertionRow(Base):
    """One normalised assertion; the columns the engine filters on are lifted out of payload."""

    __tablename__ = "kb_assertions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    release_id: Mapped[str] = mapped_column(ForeignKey("kb_releases.release_id"), nullable=False)
    assertion_id: Mapped[str] = mapped_column(String(128), nullable=False)
    gene: Mapped[str | None] = mapped_column(String(64))
    rule_kind: Mapped[str] = mapped_column(String(32), nullable=False)
    evidence_class: Mapped[str] = mapped_column(String(32), nullable=False)
    direction: Mapped[str] = mapped_column(String(32), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)

    __table_args__ = (
        UniqueConstraint("release_id", "assertion_id", name="uq_kb_assertions_release_assertion"),
        Index("ix_kb_assertions_release_gene", "release_id", "gene"),
    )


class KbDroppedRow(Base):
    """A source row the release does not publish, with the reason (the import report)."""

    __tablename__ = "kb_dropped"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    release_id: Mapped[str] = mapped_column(
        ForeignKey("kb_releases.release_id"), nullable=False, index=True
    )
    locator: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    raw: Mapped[str] = mapped_column(Text, nullable=False)
