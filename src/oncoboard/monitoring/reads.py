# SPDX-License-Identifier: Apache-2.0
"""Small read helpers the pages need beyond the service API: one submission, a patient's
alerts, and the composite grades behind alerts (the queue shows them as part of the basis).

Like the services, every function takes the gate's ``Access`` and never commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from oncoboard.errors import NotFound, PermissionDenied
from oncoboard.governance import gate
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Action
from oncoboard.monitoring import views
from oncoboard.monitoring.models import AlertRow, ProEnrolmentRow, ProGradeRow, ProSubmissionRow
from oncoboard.monitoring.schemas import AlertOut, SubmissionOut

READERS = (Action.REPORT_SYMPTOMS, Action.VIEW_RECORD)


def submission(session: Session, *, access: Access, submission_id: str) -> SubmissionOut:
    """One of the patient's own submissions (the confirmation page after reporting)."""
    gate.require(access, access.action)
    if access.action not in READERS:
        raise PermissionDenied(f"access was granted for {access.action.value}, not a report read")
    pk = gate.record_key(session, access)
    row = session.scalar(
        select(ProSubmissionRow).where(
            ProSubmissionRow.id == submission_id, ProSubmissionRow.patient_id == pk
        )
    )
    if row is None:
        # never confirm that another patient's report exists
        raise NotFound(f"symptom report {submission_id!r} not found for {access.patient_id}")
    return views.submission_out(session, row, replayed=False)


def submissions(
    session: Session, *, access: Access, limit: int = 20, offset: int = 0
) -> tuple[list[SubmissionOut], int]:
    """The patient's reports, newest first, and how many there are ("My symptom reports")."""
    gate.require(access, access.action)
    if access.action not in READERS:
        raise PermissionDenied(f"access was granted for {access.action.value}, not a report read")
    pk = gate.record_key(session, access)
    where = ProSubmissionRow.patient_id == pk
    total = session.scalar(select(func.count()).where(where)) or 0
    rows = session.scalars(
        select(ProSubmissionRow)
        .where(where)
        .order_by(ProSubmissionRow.authored_at.desc(), ProSubmissionRow.id)
        .limit(limit)
        .offset(offset)
    )
    return [views.submission_out(session, row, replayed=False) for row in rows], total


def patient_alerts(session: Session, *, access: Access, now: datetime) -> list[AlertOut]:
    """Every staff alert of one patient, open ones first, then by priority and age."""
    gate.require(access, Action.TRIAGE_ALERTS)
    pk = gate.record_key(session, access)
    rows = session.scalars(
        select(AlertRow)
        .where(AlertRow.patient_id == pk, AlertRow.audience == "staff")
        .order_by(
            case((AlertRow.status == "resolved", 1), else_=0),
            case((AlertRow.priority == "high", 0), else_=1),
            AlertRow.created_at,
            AlertRow.id,
        )
    )
    return [views.alert_out(row, access.patient_id or "", now) for row in rows]


def composite_grades(
    session: Session, *, access: Access, alerts: Iterable[AlertOut]
) -> dict[str, dict[str, int | None]]:
    """Composite grade per symptom of each alert's submission (keyed by submission id).

    The caller got ``alerts`` through the queue (consent-filtered), so the same access covers
    their grades.
    """
    gate.require(access, Action.TRIAGE_ALERTS, patient_scoped=False)
    ids = sorted({a.submission_id for a in alerts if a.submission_id})
    found: dict[str, dict[str, int | None]] = defaultdict(dict)
    if ids:
        for row in session.scalars(
            select(ProGradeRow).where(ProGradeRow.submission_id.in_(ids)).order_by(ProGradeRow.id)
        ):
            found[row.submission_id][row.symptom] = row.grade
    return dict(found)


def enrolled_questionnaire(session: Session, *, access: Access) -> str | None:
    """The questionnaire the patient was last enrolled in (the survey page's default)."""
    gate.require(access, Action.REPORT_SYMPTOMS)
    pk = gate.record_key(session, access)
    return session.scalar(
        select(ProEnrolmentRow.questionnaire_id)
        .where(ProEnrolmentRow.patient_id == pk)
        .order_by(ProEnrolmentRow.starts_at.desc(), ProEnrolmentRow.id.desc())
        .limit(1)
    )
