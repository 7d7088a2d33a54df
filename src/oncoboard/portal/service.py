# SPDX-License-Identifier: Apache-2.0
"""The patient's home behind the gate: reports with their follow-up, care team, released documents.

Consent and the access log reuse ``governance.service``; symptom status reuses
``monitoring.queue``. Every function takes the gate's ``Access`` and never commits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.errors import Conflict, InputError, NotFound
from oncoboard.governance import gate
from oncoboard.governance.gate import Access
from oncoboard.governance.models import DecisionRow, RecommendationRow
from oncoboard.governance.vocabulary import Action
from oncoboard.monitoring.config import MonitoringConfig
from oncoboard.monitoring.models import AlertRow, ProSubmissionRow
from oncoboard.portal.models import ReleasedDocumentRow
from oncoboard.portal.schemas import CareTeamContact, FollowUp, MyReport, ReleasedDocument
from oncoboard.report.schemas import Report
from oncoboard.report.service import canonical_json

REPORT_KIND = "tumour_board_report"
REPORT_TITLE = "Tumour-board report"
MAX_NOTE = 2000


def my_reports(
    session: Session, *, access: Access, config: MonitoringConfig, limit: int = 20
) -> list[MyReport]:
    """The patient's latest symptom reports, newest first, each with the care team's follow-up."""
    gate.require(access, Action.REPORT_SYMPTOMS)
    pk = gate.record_key(session, access)
    rows = list(
        session.scalars(
            select(ProSubmissionRow)
            .where(ProSubmissionRow.patient_id == pk)
            .order_by(ProSubmissionRow.received_at.desc(), ProSubmissionRow.id)
            .limit(limit)
        )
    )
    alerts: dict[str, list[AlertRow]] = {}
    if rows:
        for alert in session.scalars(
            select(AlertRow).where(
                AlertRow.submission_id.in_([r.id for r in rows]), AlertRow.audience == "staff"
            )
        ):
            alerts.setdefault(alert.submission_id or "", []).append(alert)
    reports = []
    for row in rows:
        follow_up, at = _follow_up(alerts.get(row.id, []))
        chosen = config.questionnaires.get(row.questionnaire_id)
        reports.append(
            MyReport(
                submission_id=row.id,
                questionnaire=chosen.title if chosen else row.questionnaire_id,
                received_at=_utc(row.received_at),
                urgent=row.urgent,
                follow_up=follow_up,
                follow_up_at=at,
            )
        )
    return reports


def _follow_up(alerts: list[AlertRow]) -> tuple[FollowUp, datetime | None]:
    """The least advanced alert of a report decides: one still waiting means it waits."""
    if not alerts:
        return "no_alert", None
    waiting = [a for a in alerts if a.acted_at is None and a.status != "resolved"]
    if waiting:
        return "waiting", _utc(min(a.created_at for a in waiting))
    unresolved = [a for a in alerts if a.status != "resolved"]
    if unresolved:
        return "seen", _utc(max(a.acted_at or a.created_at for a in unresolved))
    return "closed", _utc(max(a.resolved_at or a.created_at for a in alerts))


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def care_team(session: Session, *, access: Access, config: MonitoringConfig) -> CareTeamContact:
    """The site's number for patients and the clinicians who decided on this patient's care."""
    pk = gate.record_key(session, access)
    decided = session.scalars(
        select(DecisionRow.decided_by_name)
        .join(RecommendationRow, RecommendationRow.id == DecisionRow.recommendation_id)
        .where(RecommendationRow.patient_id == pk)
        .order_by(DecisionRow.decided_at.desc())
    )
    released = session.scalars(
        select(ReleasedDocumentRow.released_by_name).where(ReleasedDocumentRow.patient_id == pk)
    )
    names = list(dict.fromkeys([*decided, *released]))
    return CareTeamContact(phone=config.settings.site_phone or None, clinicians=names[:6])


def release_report(
    session: Session, *, access: Access, report: Report, note: str | None = None
) -> ReleasedDocument:
    """Release the report as it is now to the patient; the same content twice is refused."""
    gate.require(access, Action.DECIDE)
    if report.patient.patient_id != access.patient_id:
        raise InputError(
            f"report is for {report.patient.patient_id}, release asked for {access.patient_id}"
        )
    if note and len(note) > MAX_NOTE:
        raise InputError(f"note: at most {MAX_NOTE} characters, got {len(note)}")
    pk = gate.record_key(session, access)
    content = canonical_json(report).decode()
    digest = report.stamp.content_sha256
    same = session.scalar(
        select(ReleasedDocumentRow.released_at).where(
            ReleasedDocumentRow.patient_id == pk,
            ReleasedDocumentRow.content_sha256 == digest,
            ReleasedDocumentRow.withdrawn_at.is_(None),
        )
    )
    if same is not None:
        raise Conflict(
            f"this report (content sha256 {digest[:16]}) was already released on "
            f"{_utc(same).strftime('%Y-%m-%d %H:%M')} UTC"
        )
    row = ReleasedDocumentRow(
        id=str(uuid.uuid4()),
        patient_id=pk,
        kind=REPORT_KIND,
        title=REPORT_TITLE,
        content=content,
        content_sha256=digest,
        note=(note or "").strip() or None,
        released_by=access.actor.username,
        released_by_name=access.actor.display_name,
        released_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return _document(row, access.patient_id or "")


def withdraw_release(
    session: Session, *, access: Access, document_id: str, reason: str
) -> ReleasedDocument:
    """Take a released document back from the patient's view; the row and its reason stay."""
    gate.require(access, Action.DECIDE)
    if not reason.strip():
        raise InputError("reason: say why the document is withdrawn from the patient's view")
    row = _row(session, access, document_id)
    if row.withdrawn_at is not None:
        raise Conflict(f"document {document_id} was already withdrawn")
    row.withdrawn_at = datetime.now(UTC)
    row.withdrawn_by = access.actor.username
    row.withdrawn_reason = reason.strip()[:MAX_NOTE]
    session.flush()
    return _document(row, access.patient_id or "")


def released_documents(
    session: Session, *, access: Access, include_withdrawn: bool = False
) -> list[ReleasedDocument]:
    """Documents released to the patient, newest first (staff also see withdrawn ones)."""
    gate.require(access, access.action)
    pk = gate.record_key(session, access)
    query = select(ReleasedDocumentRow).where(ReleasedDocumentRow.patient_id == pk)
    if not include_withdrawn:
        query = query.where(ReleasedDocumentRow.withdrawn_at.is_(None))
    rows = session.scalars(query.order_by(ReleasedDocumentRow.released_at.desc()))
    return [_document(row, access.patient_id or "") for row in rows]


def released_report(
    session: Session, *, access: Access, document_id: str
) -> tuple[ReleasedDocument, Report]:
    """One released report as it was released; a withdrawn one is gone from the patient's view."""
    gate.require(access, Action.VIEW_RECORD)
    row = _row(session, access, document_id)
    if row.withdrawn_at is not None and access.actor.is_patient_only:
        raise NotFound(f"document {document_id!r} not found")
    if row.kind != REPORT_KIND:
        raise NotFound(f"document {document_id!r} is not a report")
    report = Report.model_validate_json(row.content)
    if report.stamp.content_sha256 != row.content_sha256:
        raise Conflict(f"document {document_id}: the stored copy does not match its content hash")
    return _document(row, access.patient_id or ""), report


def _row(session: Session, access: Access, document_id: str) -> ReleasedDocumentRow:
    pk = gate.record_key(session, access)
    row = session.scalar(
        select(ReleasedDocumentRow).where(
            ReleasedDocumentRow.id == document_id, ReleasedDocumentRow.patient_id == pk
        )
    )
    if row is None:
        raise NotFound(f"document {document_id!r} not found for {access.patient_id}")
    return row


def _document(row: ReleasedDocumentRow, patient_id: str) -> ReleasedDocument:
    return ReleasedDocument(
        document_id=row.id,
        patient_id=patient_id,
        kind=row.kind,
        title=row.title,
        content_sha256=row.content_sha256,
        note=row.note,
        released_by=row.released_by,
        released_by_name=row.released_by_name,
        released_at=_utc(row.released_at),
        withdrawn_at=_utc(row.withdrawn_at) if row.withdrawn_at else None,
        withdrawn_by=row.withdrawn_by,
        withdrawn_reason=row.withdrawn_reason,
    )
