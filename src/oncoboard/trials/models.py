# SPDX-License-Identifier: Apache-2.0
"""Trial registry tables: the current version of each study and every version ever imported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oncoboard.record.models import utcnow
from oncoboard.store.base import Base


class TrialRow(Base):
    """The current version; ``criteria`` holds the constraints computed at import."""

    __tablename__ = "trials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nct_id: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    version: Mapped[str] = mapped_column(String(32), nullable=False)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    brief_title: Mapped[str] = mapped_column(Text, nullable=False)
    overall_status: Mapped[str | None] = mapped_column(String(40))
    record: Mapped[dict[str, object]] = mapped_column(JSON, nullable=False)
    criteria: Mapped[list[object]] = mapped_column(JSON, nullable=False)
    # the structured criteria only, for screening the registry (``compact``; rebuilt when absent)
    screen: Mapped[dict[str, object] | None] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64), nullable=False)


class TrialVersionRow(Base):
    """Every distinct version imported, kept when a newer one replaces it."""

    __tablename__ = "trial_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), nullable=False)
    version: Mapped[str] = mapped_column(String(32), nullable=False)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    record: Mapped[dict[str, object]] = mapped_column(JSON, nullable=False)
    source_name: Mapped[str] = mapped_column(String(256), nullable=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (
        UniqueConstraint("trial_id", "content_sha256", name="uq_trial_versions_content"),
        Index("ix_trial_versions_trial", "trial_id", "id"),
    )


class CriterionOverrideRow(Base):
    """A clinician's decision on one criterion for one patient and trial version; the latest row
    per (patient, trial, criterion) applies, earlier ones stay as history."""

    __tablename__ = "trial_criterion_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(String(128), nullable=False)
    nct_id: Mapped[str] = mapped_column(String(16), nullable=False)
    trial_version: Mapped[str] = mapped_column(String(32), nullable=False)
    criterion_id: Mapped[str] = mapped_column(String(16), nullable=False)
    # met / not_met, or "reader" to withdraw an earlier override
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    reader_state: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    decided_by: Mapped[str] = mapped_column(String(64), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        Index("ix_trial_overrides_patient", "patient_id", "nct_id", "criterion_id", "id"),
    )
