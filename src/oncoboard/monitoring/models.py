# SPDX-License-Identifier: Apache-2.0
"""Tables of symptom monitoring: enrolments, submissions with raw answers and composite grades,
alerts (one per submission and symptom, enforced by a unique constraint) and their history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
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


class ProEnrolmentRow(Base):
    """A patient asked to report on a questionnaire every ``schedule_days`` from ``starts_at``."""

    __tablename__ = "pro_enrolments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64), nullable=False)
    schedule_days: Mapped[int] = mapped_column(Integer, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enrolled_by: Mapped[str] = mapped_column(String(64), nullable=False)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProSubmissionRow(Base):
    """One completed questionnaire with where it came from; replays share the idempotency key."""

    __tablename__ = "pro_submissions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False)
    questionnaire_id: Mapped[str] = mapped_column(String(64), nullable=False)
    questionnaire_version: Mapped[str] = mapped_column(String(16), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(128), nullable=False)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    authored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    submitted_by: Mapped[str] = mapped_column(String(64), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    source_name: Mapped[str] = mapped_column(String(512), nullable=False)
    source_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    locator: Mapped[str] = mapped_column(String(200), nullable=False)
    urgent: Mapped[bool | None] = mapped_column(Boolean)
    library_version: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (
        UniqueConstraint("patient_id", "idempotency_key", name="uq_pro_submissions_patient_key"),
        Index("ix_pro_submissions_patient_authored", "patient_id", "authored_at"),
    )


class ProAnswerRow(Base):
    """Layer 1: the raw 0-4 answer, or the non-scored option chosen (value NULL)."""

    __tablename__ = "pro_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("pro_submissions.id"), nullable=False)
    symptom: Mapped[str] = mapped_column(String(64), nullable=False)
    attribute: Mapped[str] = mapped_column(String(16), nullable=False)
    item_id: Mapped[str] = mapped_column(String(32), nullable=False)
    value: Mapped[int | None] = mapped_column(Integer)
    missing_code: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        UniqueConstraint("submission_id", "symptom", "attribute", name="uq_pro_answers_item"),
    )


class ProGradeRow(Base):
    """Layer 2: the PRO-CTCAE composite grade 0-3 (NULL when it cannot be computed)."""

    __tablename__ = "pro_grades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("pro_submissions.id"), nullable=False)
    symptom: Mapped[str] = mapped_column(String(64), nullable=False)
    grade: Mapped[int | None] = mapped_column(Integer)
    algorithm: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (UniqueConstraint("submission_id", "symptom", name="uq_pro_grades_symptom"),)


class AlertRow(Base):
    """An alert; its status is a projection of its append-only events."""

    __tablename__ = "pro_alerts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False)
    submission_id: Mapped[str | None] = mapped_column(ForeignKey("pro_submissions.id"))
    # the leading rule (highest priority, then rule order); ``reasons`` lists every rule that
    # fired for this symptom in this submission (NULL on alerts stored before grouping)
    rule_id: Mapped[str] = mapped_column(String(64), nullable=False)
    rule_version: Mapped[int] = mapped_column(Integer, nullable=False)
    ruleset: Mapped[str] = mapped_column(String(100), nullable=False)
    rule_type: Mapped[str] = mapped_column(String(32), nullable=False)
    # the symptom key (e.g. ``hand_foot_syndrome``), ``urgent`` for the urgent answer alone
    symptom: Mapped[str | None] = mapped_column(String(64))
    reasons: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    # 'staff' alerts are in the queue; 'patient' ones are reminders shown to the patient
    audience: Mapped[str] = mapped_column(String(8), nullable=False)
    priority: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    triggers: Mapped[list[dict[str, object]]] = mapped_column(JSON, nullable=False)
    # exactly once per cause: '<submission>:<symptom>' ('<submission>:<rule>' before grouping)
    # or 'missed:<enrolment>:<due>:<stage>'
    trigger_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    recommendation_id: Mapped[str | None] = mapped_column(ForeignKey("recommendations.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    acted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalation_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    patient_told_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        UniqueConstraint("submission_id", "symptom", name="uq_pro_alerts_submission_symptom"),
        Index("ix_pro_alerts_queue", "status", "priority", "created_at"),
        Index("ix_pro_alerts_patient", "patient_id", "created_at"),
    )


class AlertEventRow(Base):
    """One thing that happened to an alert; append-only (a trigger refuses changes on PostgreSQL)."""

    __tablename__ = "pro_alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("pro_alerts.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(32))
