# SPDX-License-Identifier: Apache-2.0
"""The alert queue: triage actions kept as append-only events, SLA escalation and the cascade.

SLA defaults: 72 h to act on a normal alert (PRO-TECT nurses documented action within 72 h),
24 h for high priority; an escalated alert still unacted after ``escalation_response_hours``
tells the patient to contact the care team now (Moovcare's 24-h cascade, facts §1.6).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from oncoboard.errors import Conflict, NotFound, PermissionDenied
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.recommendation import FactReference
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.monitoring import alerting
from oncoboard.monitoring.config import MonitoringConfig
from oncoboard.monitoring.models import AlertEventRow, AlertRow, ProEnrolmentRow, ProSubmissionRow
from oncoboard.monitoring.rules import (
    AlertDraft,
    AlertGroup,
    MissedReportRule,
    missed_report_stage,
)
from oncoboard.monitoring.schemas import (
    AlertActionIn,
    AlertDetail,
    AlertQueue,
    PatientStatus,
    SweepReport,
)
from oncoboard.monitoring.views import alert_detail, alert_out, utc
from oncoboard.record.models import PatientRow

OPEN = ("open", "acknowledged", "escalated")
SWEEPER = "system:sla-sweep"


def authorize_queue(session: Session, actor: Actor, obj: str = "alert queue") -> Access:
    """The gate for the queue as a whole (role check; lists filter by consent)."""
    return gate.authorize(
        session, actor=actor, action=Action.TRIAGE_ALERTS, purpose=Purpose.TREATMENT, obj=obj
    )


def authorize_alert(session: Session, actor: Actor, alert_id: str) -> Access:
    """Role first (so an unknown id reveals nothing to the unauthorised), then the patient."""
    authorize_queue(session, actor, f"alert {alert_id}")
    patient = session.scalar(
        select(PatientRow.external_id)
        .join(AlertRow, AlertRow.patient_id == PatientRow.id)
        .where(AlertRow.id == alert_id)
    )
    if patient is None:
        raise NotFound(f"alert {alert_id!r} not found")
    return gate.authorize(
        session,
        actor=actor,
        action=Action.TRIAGE_ALERTS,
        purpose=Purpose.TREATMENT,
        obj=f"alert {alert_id}",
        patient_id=patient,
    )


def _now(now: datetime | None) -> datetime:
    return utc(now or datetime.now(UTC))


def list_queue(
    session: Session,
    *,
    access: Access,
    config: MonitoringConfig,
    statuses: tuple[str, ...] = OPEN,
    limit: int = 100,
    offset: int = 0,
    now: datetime | None = None,
) -> AlertQueue:
    """Staff alerts by priority (high first) then age (oldest first); escalates overdue first."""
    gate.require(access, Action.TRIAGE_ALERTS, patient_scoped=False)
    moment = _now(now)
    swept = escalate_overdue(session, access=access, config=config, now=moment)
    where = and_(
        AlertRow.audience == "staff",
        AlertRow.status.in_(statuses),
        gate.visible_patients(access.actor, Purpose.TREATMENT),
    )
    base = select(AlertRow, PatientRow.external_id).join(
        PatientRow, PatientRow.id == AlertRow.patient_id
    )
    total = session.scalar(select(func.count()).select_from(base.where(where).subquery())) or 0
    rank = case((AlertRow.priority == "high", 0), else_=1)
    rows = session.execute(
        base.where(where)
        .order_by(rank, AlertRow.created_at, AlertRow.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return AlertQueue(
        items=[alert_out(alert, patient, moment) for alert, patient in rows],
        total=total,
        escalated_now=swept.escalated,
    )


def get_alert(
    session: Session, *, access: Access, alert_id: str, now: datetime | None = None
) -> AlertDetail:
    """One alert with its history (the caller authorised it with ``authorize_alert``)."""
    return alert_detail(session, _alert(session, access, alert_id), _now(now))


def _alert(session: Session, access: Access, alert_id: str) -> AlertRow:
    gate.require(access, Action.TRIAGE_ALERTS)
    alert = session.get(AlertRow, alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id!r} not found")
    owner = session.scalar(select(PatientRow.external_id).where(PatientRow.id == alert.patient_id))
    if owner != access.patient_id:
        raise PermissionDenied(f"access was granted for {access.patient_id}, not alert {alert_id}")
    return alert


def act(
    session: Session,
    *,
    access: Access,
    config: MonitoringConfig,
    alert_id: str,
    action: AlertActionIn,
    now: datetime | None = None,
) -> AlertDetail:
    """Acknowledge, note, log a call, escalate to a clinician, or resolve with an outcome."""
    alert = _alert(session, access, alert_id)
    moment = _now(now)
    if alert.status == "resolved":
        raise Conflict(
            f"alert {alert_id} was resolved ({alert.outcome}) on "
            f"{utc(alert.resolved_at or moment):%Y-%m-%d %H:%M} UTC; add nothing to a closed alert"
        )
    if action.action in ("acknowledge", "call", "resolve"):
        alert.acted_at = moment
        if alert.status == "open":
            alert.status = "acknowledged"
    if action.action == "escalate":
        _escalate(alert, config, moment)
    if action.action == "resolve":
        alert.status, alert.resolved_at, alert.outcome = "resolved", moment, action.outcome
    kind = {"acknowledge": "acknowledged", "call": "call_logged", "note": "note"}.get(
        action.action, f"{action.action}d"
    )
    session.add(
        AlertEventRow(
            alert_id=alert.id,
            kind=kind,
            at=moment,
            actor=access.actor.username,
            note=action.note,
            outcome=action.outcome,
        )
    )
    session.flush()
    return alert_detail(session, alert, moment)


def _escalate(alert: AlertRow, config: MonitoringConfig, moment: datetime) -> None:
    alert.status = "escalated"
    alert.priority = "high"
    alert.escalated_at = moment
    alert.escalation_due_at = moment + config.escalation_response


def _check_sweep_access(access: Access) -> None:
    if access.action not in (Action.TRIAGE_ALERTS, Action.ADMINISTER):
        raise PermissionDenied(f"access was granted for {access.action.value}, not a queue sweep")


def escalate_overdue(
    session: Session, *, access: Access, config: MonitoringConfig, now: datetime
) -> SweepReport:
    """Escalate unacted alerts past their SLA; tell patients to call when escalation lapses."""
    _check_sweep_access(access)
    moment = _now(now)
    report = SweepReport()
    overdue = session.scalars(
        select(AlertRow).where(
            AlertRow.audience == "staff",
            AlertRow.status == "open",
            AlertRow.acted_at.is_(None),
            AlertRow.due_at <= moment,
        )
    )
    for alert in overdue:
        _escalate(alert, config, moment)
        note = f"not acted on within the SLA (due {utc(alert.due_at):%Y-%m-%d %H:%M} UTC)"
        session.add(
            AlertEventRow(
                alert_id=alert.id, kind="auto_escalated", at=moment, actor=SWEEPER, note=note
            )
        )
        report.escalated += 1
    lapsed = session.scalars(
        select(AlertRow).where(
            AlertRow.status != "resolved",
            AlertRow.patient_told_at.is_(None),
            AlertRow.escalation_due_at <= moment,
            or_(AlertRow.acted_at.is_(None), AlertRow.acted_at < AlertRow.escalated_at),
        )
    )
    for alert in lapsed:
        alert.patient_told_at = moment
        session.add(
            AlertEventRow(
                alert_id=alert.id,
                kind="patient_told",
                at=moment,
                actor=SWEEPER,
                note=_contact_message(config),
            )
        )
        report.patients_told += 1
    session.flush()
    return report


def _contact_message(config: MonitoringConfig) -> str:
    phone = config.settings.site_phone
    return f"Contact your care team now{f' on {phone}' if phone else ''}."


def sweep(
    session: Session, *, access: Access, config: MonitoringConfig, now: datetime | None = None
) -> SweepReport:
    """The scheduled job: SLA escalation and the cascade, then missed-report reminders and tasks."""
    moment = _now(now)
    report = escalate_overdue(session, access=access, config=config, now=moment)
    for rule in config.ruleset.of_type(MissedReportRule):
        reminders, tasks = _missed_reports(session, access, config, rule, moment)
        report.reminders += reminders
        report.staff_tasks += tasks
    return report


def _missed_reports(
    session: Session,
    access: Access,
    config: MonitoringConfig,
    rule: MissedReportRule,
    now: datetime,
) -> tuple[int, int]:
    last = (
        select(func.max(ProSubmissionRow.authored_at))
        .where(
            ProSubmissionRow.patient_id == ProEnrolmentRow.patient_id,
            ProSubmissionRow.questionnaire_id == ProEnrolmentRow.questionnaire_id,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(ProEnrolmentRow, PatientRow.external_id, last)
        .join(PatientRow, PatientRow.id == ProEnrolmentRow.patient_id)
        .where(
            or_(ProEnrolmentRow.ends_at.is_(None), ProEnrolmentRow.ends_at > now),
            ProEnrolmentRow.starts_at <= now,
            # a patient who objected to treatment use is not chased (GDPR Art. 21)
            gate.visible_patients(alerting.SYSTEM_ACTOR, Purpose.TREATMENT),
        )
    ).all()
    reminders = tasks = 0
    for enrolment, patient_id, last_at in rows:
        due = (
            utc(last_at) + timedelta(days=enrolment.schedule_days)
            if last_at
            else utc(enrolment.starts_at)
        )
        stage = missed_report_stage(rule, due_at=due, now=now)
        if stage is None:
            continue
        reminders += _missed_alert(
            session, access, config, rule, enrolment, patient_id, due, now, "patient"
        )
        if stage == "staff_task":
            tasks += _missed_alert(
                session, access, config, rule, enrolment, patient_id, due, now, "staff"
            )
    return reminders, tasks


def _missed_alert(
    session: Session,
    access: Access,
    config: MonitoringConfig,
    rule: MissedReportRule,
    enrolment: ProEnrolmentRow,
    patient_id: str,
    due: datetime,
    now: datetime,
    audience: str,
) -> int:
    found = config.questionnaires.get(enrolment.questionnaire_id)
    title = found.title if found else enrolment.questionnaire_id
    summary = f"No report on '{title}' since it was due on {due:%Y-%m-%d %H:%M} UTC"
    locator = f"enrolment {enrolment.id}, report due {due.isoformat()}"
    basis = [
        FactReference(
            label=summary,
            kind="pro_enrolment",
            provenance=alerting.enrolment_provenance(
                enrolment.id, enrolment.enrolled_at or now, locator
            ),
        )
    ]
    stage = "reminder" if audience == "patient" else "staff_task"
    stored = alerting.store_alert(
        session,
        config=config,
        patient_pk=enrolment.patient_id,
        patient_id=patient_id,
        draft=AlertGroup("", rule.priority, (AlertDraft(rule, rule.priority, summary),)),
        trigger_key=f"missed:{enrolment.id}:{due:%Y%m%dT%H%M}:{stage}",
        basis=basis,
        now=now,
        request_id=access.actor.request_id,
        audience=audience,
    )
    return 1 if stored is not None else 0


def patient_status(
    session: Session, *, access: Access, config: MonitoringConfig, now: datetime | None = None
) -> PatientStatus:
    """What the patient-facing page says: call now (cascade), and open reminders."""
    gate.require(access, access.action)
    if access.action not in (Action.VIEW_RECORD, Action.REPORT_SYMPTOMS):
        raise PermissionDenied(f"access was granted for {access.action.value}, not a status read")
    moment = _now(now)
    pk = gate.record_key(session, access)
    alerts = list(
        session.scalars(
            select(AlertRow).where(AlertRow.patient_id == pk, AlertRow.status != "resolved")
        )
    )
    call_now = any(_lapsed(a, moment) for a in alerts)
    reminders = [_reminder(a) for a in alerts if a.audience == "patient"]
    phone = config.settings.site_phone or None
    return PatientStatus(
        patient_id=access.patient_id or "",
        contact_care_team_now=call_now,
        message=_contact_message(config) if call_now else None,
        phone=phone,
        reminders=reminders,
        next_due_at=None,
    )


def _reminder(alert: AlertRow) -> str:
    """A missed-report reminder in the patient's words (the due time is in the cause's key:
    ``missed:<enrolment>:<due>:<stage>``)."""
    parts = alert.trigger_key.split(":")
    try:
        due = datetime.strptime(parts[2], "%Y%m%dT%H%M")
    except (IndexError, ValueError):
        return "Your symptom report is overdue: please send it when you can."
    return f"Your symptom report was due on {due:%d %b %Y}: please send it when you can."


def _lapsed(alert: AlertRow, now: datetime) -> bool:
    """Escalated, and no one acted since: past the deadline (or already told by the sweep)."""
    if alert.escalation_due_at is None or alert.escalated_at is None:
        return False
    if alert.acted_at is not None and utc(alert.acted_at) >= utc(alert.escalated_at):
        return False
    return alert.patient_told_at is not None or utc(alert.escalation_due_at) <= now
