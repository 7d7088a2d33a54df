# SPDX-License-Identifier: Apache-2.0
"""Dose proposals (the structured side of a DOSE_CHANGE recommendation) and approved dose changes.

A ``dose_changes`` row exists only for a clinician's accept or modify decision: it is the
treatment's dose from then on and the history occurrences are counted from.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oncoboard.record.models import utcnow
from oncoboard.store.base import Base


class DoseProposalRow(Base):
    __tablename__ = "dose_proposals"

    recommendation_id: Mapped[str] = mapped_column(
        ForeignKey("recommendations.id"), primary_key=True
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False)
    drug: Mapped[str] = mapped_column(String(64), nullable=False)
    indication: Mapped[str] = mapped_column(String(64), nullable=False)
    ae_term: Mapped[str] = mapped_column(String(128), nullable=False)
    occurrence_key: Mapped[str] = mapped_column(String(160), nullable=False)
    grade: Mapped[int] = mapped_column(Integer, nullable=False)
    grade_source: Mapped[str] = mapped_column(String(32), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    next_level: Mapped[int | None] = mapped_column(Integer)
    next_dose: Mapped[str | None] = mapped_column(String(200))
    # the treatment fact the proposal is about; no foreign key: re-imports may replace facts
    treatment_fact_id: Mapped[int | None] = mapped_column(Integer)
    treatment_name: Mapped[str] = mapped_column(String(256), nullable=False)
    payload: Mapped[dict[str, object]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_dose_proposals_patient", "patient_id", "created_at"),)


class DoseChangeRow(Base):
    __tablename__ = "dose_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recommendation_id: Mapped[str] = mapped_column(
        ForeignKey("dose_proposals.recommendation_id"), nullable=False, unique=True
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False)
    drug: Mapped[str] = mapped_column(String(64), nullable=False)
    indication: Mapped[str] = mapped_column(String(64), nullable=False)
    ae_term: Mapped[str] = mapped_column(String(128), nullable=False)
    occurrence_key: Mapped[str] = mapped_column(String(160), nullable=False)
    grade: Mapped[int] = mapped_column(Integer, nullable=False)
    grade_source: Mapped[str] = mapped_column(String(32), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    # the approved level; None when a clinician modified the proposal (dose is their text)
    level: Mapped[int | None] = mapped_column(Integer)
    dose: Mapped[str] = mapped_column(Text, nullable=False)
    treatment_fact_id: Mapped[int | None] = mapped_column(Integer)
    treatment_name: Mapped[str] = mapped_column(String(256), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    decided_by: Mapped[str] = mapped_column(String(64), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_dose_changes_patient_drug", "patient_id", "drug", "id"),)
