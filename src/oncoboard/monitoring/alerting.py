# SPDX-License-Identifier: Apache-2.0
"""Turn rule drafts into stored alerts and Recommendations (kind ALERT), exactly once per cause.

The rule engine proposes through the same gate as people: it acts as the named system actor
``system:pro-alerts`` (care-team role, audited on the patient) so ``decisions.propose`` is not
bypassed. A unique ``trigger_key`` (and ``(submission_id, rule_id)``) makes duplicates impossible
even if two workers race.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oncoboard import __version__
from oncoboard.governance import decisions, gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.recommendation import (
    FactReference,
)
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.monitoring import wording
from oncoboard.monitoring.alert_recommendation import alert_basis, alert_recommendation
from oncoboard.monitoring.config import MonitoringConfig
from oncoboard.monitoring.models import AlertEventRow, AlertRow, ProSubmissionRow
from oncoboard.monitoring.rules import AlertGroup, Trigger, evaluate, group
from oncoboard.monitoring.views import patient_reports, utc
from oncoboard.record.schemas import Provenance
from oncoboard.store.base import Base
from oncoboard.store.db import core

SYSTEM_ACTOR = Actor(
    username="system:pro-alerts",
    display_name="PRO-CTCAE alert rules",
    roles=frozenset({Role.NURSE}),
)
MISSED = "missed_report"


def system_access(session: Session, patient_id: str, request_id: str | None, obj: str) -> Access:
    """The engine's own gated, audited access to propose on one patient."""
    actor = replace(SYSTEM_ACTOR, request_id=request_id)
    return gate.authorize(
        session,
        actor=actor,
        action=Action.EDIT_RECORD,
        purpose=Purpose.TREATMENT,
        obj=obj,
        patient_id=patient_id,
    )


def store_alert(
    session: Session,
    *,
    config: MonitoringConfig,
    patient_pk: int,
    patient_id: str,
    draft: AlertGroup,
    trigger_key: str,
    basis: list[FactReference],
    now: datetime,
    request_id: str | None,
    submission_id: str | None = None,
    audience: str = "staff",
    access: Access | None = None,
    new_cause: bool = False,
) -> AlertRow | None:
    """Store one alert (and its Recommendation for staff alerts); None if it already exists.

    ``draft``: one symptom's reasons from one report (``rules.group``), or a missed report
    (``symptom`` empty, one reason whose summary is already in words).

    ``access``: the engine's gate proof when the caller already holds one for this patient;
    ``new_cause``: the cause was created in this transaction (no other can have alerted on it),
    so the look-up before the insert is skipped; the unique constraint still decides.
    """

    def write() -> AlertRow:
        return _write_alert(
            session, config, patient_pk, patient_id, draft, trigger_key, basis, now,
            request_id=request_id, submission_id=submission_id, audience=audience, access=access,
        )  # fmt: skip

    if new_cause:  # no savepoint: a clash would fail the request, and its retry is a replay
        return write()
    if session.scalar(select(AlertRow.id).where(AlertRow.trigger_key == trigger_key)):
        return None
    try:
        with session.begin_nested():
            return write()
    except IntegrityError:
        # another worker stored the same cause first: the constraint, not this code, decides
        if session.scalar(select(AlertRow.id).where(AlertRow.trigger_key == trigger_key)):
            return None
        raise


def _write_alert(
    session: Session,
    config: MonitoringConfig,
    patient_pk: int,
    patient_id: str,
    draft: AlertGroup,
    trigger_key: str,
    basis: list[FactReference],
    now: datetime,
    *,
    request_id: str | None,
    submission_id: str | None,
    audience: str,
    access: Access | None,
) -> AlertRow:
    rule = draft.lead.rule
    reasons = reasons_json(draft) if draft.symptom else None
    summary = (
        wording.staff_summary(config.library, draft.symptom, reasons)
        if reasons
        else draft.lead.summary
    )
    recommendation_id = None
    if audience == "staff":
        if access is None:
            access = system_access(session, patient_id, request_id, f"PRO alert {rule.id}")
        recommendation = alert_recommendation(config, patient_id, draft, summary, basis, now)
        recommendation_id = decisions.propose(session, access=access, recommendation=recommendation)
    values = {
        "id": str(uuid.uuid4()),
        "patient_id": patient_pk,
        "submission_id": submission_id,
        "rule_id": rule.id,
        "rule_version": rule.version,
        "ruleset": config.ruleset.label,
        "rule_type": rule.type,
        "symptom": draft.symptom or None,
        "reasons": reasons,
        "audience": audience,
        "priority": draft.priority,
        "status": "open",
        "summary": summary,
        "triggers": [_trigger_json(t) for t in draft.triggers],
        "trigger_key": trigger_key,
        "recommendation_id": recommendation_id,
        "created_at": now,
        "due_at": now + config.sla(draft.priority),
    }
    # plain INSERTs in order (the alert before its first event): a third of all reports alert
    core(session).execute(_INSERT_ALERT, values)
    core(session).execute(
        _INSERT_EVENT,
        {"alert_id": values["id"], "kind": "created", "at": now, "actor": SYSTEM_ACTOR.username},
    )
    return AlertRow(**values)  # what was stored, for the answer (not tracked by the session)


_INSERT_ALERT = insert(Base.metadata.tables[AlertRow.__tablename__])
_INSERT_EVENT = insert(Base.metadata.tables[AlertEventRow.__tablename__])


def _trigger_json(trigger: Trigger) -> dict[str, object]:
    return {
        "item": trigger.item,
        "value": trigger.value,
        "previous": trigger.previous,
        "previous_submission_id": trigger.previous_submission_id,
        "previous_at": utc(trigger.previous_at).isoformat() if trigger.previous_at else None,
    }


def reasons_json(draft: AlertGroup) -> list[dict[str, Any]]:
    """Every rule that fired for the symptom: its key, version, priority, clinical words and
    the answers it compared."""
    found = []
    for reason in draft.reasons:
        triggers = [_trigger_json(t) for t in reason.triggers]
        found.append(
            {
                "rule_id": reason.rule.id,
                "rule_version": reason.rule.version,
                "rule_type": reason.rule.type,
                "priority": reason.priority,
                "text": wording.staff_reason(reason.rule.type, triggers),
                "triggers": triggers,
            }
        )
    return found


def enrolment_provenance(enrolment_id: int, enrolled_at: datetime, locator: str) -> Provenance:
    """Provenance for a missed report: the enrolment that set the schedule."""
    return Provenance(
        source_name=f"pro enrolment {enrolment_id}",
        source_sha256=hashlib.sha256(f"pro-enrolment:{enrolment_id}".encode()).hexdigest(),
        locator=locator,
        importer="oncoboard.monitoring.schedule",
        importer_version=__version__,
        import_id=f"enrolment-{enrolment_id}",
        imported_at=utc(enrolled_at),
    )


def raise_for_submission(
    session: Session, *, config: MonitoringConfig, row: ProSubmissionRow, access: Access
) -> list[AlertRow]:
    """Evaluate the rules on a new submission against the patient's earlier reports; one alert
    per symptom lists every rule that fired for it (``rules.group``).

    One gated, audited access of the engine covers the alerts of one submission (it names
    their rules); the earlier submissions the alerts cite come from the same read.
    """
    reports, origins = patient_reports(session, config, row.patient_id)
    current = next(r for r in reports if r.submission_id == row.id)
    history = [
        r for r in reports if r.submission_id != row.id and r.authored_at <= current.authored_at
    ]
    drafts = evaluate(config.ruleset, current, history)
    if not drafts:
        return []
    patient_id = access.patient_id or ""
    request_id = access.actor.request_id
    engine_access = system_access(
        session,
        patient_id,
        request_id,
        f"PRO alerts for submission {row.id}: {', '.join(d.rule.id for d in drafts)}",
    )
    stored: list[AlertRow] = []
    for draft in group(drafts):
        alert = store_alert(
            session,
            config=config,
            patient_pk=row.patient_id,
            patient_id=patient_id,
            draft=draft,
            trigger_key=f"{row.id}:{draft.symptom}",
            basis=alert_basis(config, draft, origins[row.id], origins),
            now=utc(row.received_at),
            request_id=request_id,
            submission_id=row.id,
            access=engine_access,
            new_cause=True,
        )
        if alert is not None:
            stored.append(alert)
    return stored


# run on every submission: built once
_ALERTS = Base.metadata.tables[AlertRow.__tablename__]
_CLOSE_MISSED_REPORTS = (
    update(_ALERTS)
    .where(
        _ALERTS.c.patient_id == bindparam("patient"),
        _ALERTS.c.rule_type == MISSED,
        _ALERTS.c.status != "resolved",
    )
    .values(status="resolved", resolved_at=bindparam("now"), outcome="report_received")
    .returning(_ALERTS.c.id)
)


def close_missed_reminders(session: Session, patient_pk: int, now: datetime, actor: str) -> None:
    """A report arrived: the patient's open missed-report reminders and tasks are done (one
    statement when there are none, as on almost every report)."""
    closed = core(session).execute(_CLOSE_MISSED_REPORTS, {"patient": patient_pk, "now": now})
    events = [
        {"alert_id": alert_id, "kind": "resolved", "at": now, "actor": actor,
         "outcome": "report_received"}
        for alert_id in closed.scalars()
    ]  # fmt: skip
    if events:
        core(session).execute(_INSERT_EVENT, events)
