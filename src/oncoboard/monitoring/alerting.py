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

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oncoboard import __version__
from oncoboard.governance import decisions, gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.recommendation import (
    Alternative,
    Citation,
    FactReference,
    Recommendation,
    RecommendationKind,
)
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.monitoring.config import MonitoringConfig
from oncoboard.monitoring.models import AlertEventRow, AlertRow, ProSubmissionRow
from oncoboard.monitoring.rules import AlertDraft, PersonalChangeRule, Trigger, evaluate
from oncoboard.monitoring.views import ReportOrigin, patient_reports, utc
from oncoboard.record.schemas import Provenance
from oncoboard.store.base import Base
from oncoboard.store.db import core

SYSTEM_ACTOR = Actor(
    username="system:pro-alerts",
    display_name="PRO-CTCAE alert rules",
    roles=frozenset({Role.NURSE}),
)
MISSED = "missed_report"
LIMITATIONS = (
    "Patient-reported answers and the PRO-CTCAE composite grade (0-3) supplement clinician CTCAE "
    "grading and do not replace it. Thresholds are site-configurable defaults from the trials' "
    "'severe or worsening' description, not validated cut-offs."
)
INTENDED_USE = (
    "Prompt a nurse or clinician to review a patient's self-reported symptoms and contact the "
    "patient; not a diagnosis and not an instruction to change treatment."
)


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


def provenance(row: ReportOrigin, item: str) -> Provenance:
    return Provenance(
        source_name=row.source_name,
        source_sha256=row.source_sha256,
        locator=f"{row.locator}; {item}",
        importer=f"oncoboard.monitoring.{row.channel}",
        importer_version=__version__,
        import_id=row.id,
        imported_at=utc(row.received_at),
    )


def store_alert(
    session: Session,
    *,
    config: MonitoringConfig,
    patient_pk: int,
    patient_id: str,
    draft: AlertDraft,
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
    draft: AlertDraft,
    trigger_key: str,
    basis: list[FactReference],
    now: datetime,
    *,
    request_id: str | None,
    submission_id: str | None,
    audience: str,
    access: Access | None,
) -> AlertRow:
    rule = draft.rule
    recommendation_id = None
    if audience == "staff":
        if access is None:
            access = system_access(session, patient_id, request_id, f"PRO alert {rule.id}")
        recommendation = _recommendation(config, patient_id, draft, basis, now)
        recommendation_id = decisions.propose(session, access=access, recommendation=recommendation)
    values = {
        "id": str(uuid.uuid4()),
        "patient_id": patient_pk,
        "submission_id": submission_id,
        "rule_id": rule.id,
        "rule_version": rule.version,
        "ruleset": config.ruleset.label,
        "rule_type": rule.type,
        "audience": audience,
        "priority": draft.priority,
        "status": "open",
        "summary": draft.summary,
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


def _recommendation(
    config: MonitoringConfig,
    patient_id: str,
    draft: AlertDraft,
    basis: list[FactReference],
    now: datetime,
) -> Recommendation:
    rule = draft.rule
    hours = int(config.sla(draft.priority).total_seconds() // 3600)
    limitations = LIMITATIONS
    if isinstance(rule, PersonalChangeRule):
        limitations += (
            " The change-from-own-best rule is Moovcare-like only: Moovcare's algorithm is "
            "proprietary and this rule is not claimed equivalent."
        )
    return Recommendation(
        patient_id=patient_id,
        kind=RecommendationKind.ALERT,
        statement=(
            f"Review the patient's symptom report and contact the patient within {hours} h "
            f"({draft.priority} priority): {draft.summary}."
        ),
        basis=tuple(basis),
        evidence=(
            Citation(
                source=rule.source,
                identifier=rule.identifier,
                level="design default (no published verbatim alert threshold; facts §0.2)",
                knowledge_version=(
                    f"rules {config.ruleset.label}; rule {rule.id} v{rule.version}; "
                    f"items {config.library.version}"
                ),
            ),
        ),
        alternatives=(
            Alternative(
                statement="Review the report at the next scheduled visit",
                why_not_first=(
                    "STAR and PRO-TECT alerted nurses between visits on severe or worsening "
                    "symptoms"
                ),
            ),
        ),
        limitations=limitations,
        intended_use=INTENDED_USE,
        generated_by=f"monitoring rule {rule.id} v{rule.version} ({config.ruleset.label})",
        ai_generated=False,
        created_at=now,
    )


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
    """Evaluate the rules on a new submission against the patient's earlier reports.

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
    for draft in drafts:
        alert = store_alert(
            session,
            config=config,
            patient_pk=row.patient_id,
            patient_id=patient_id,
            draft=draft,
            trigger_key=f"{row.id}:{draft.rule.id}",
            basis=_basis(draft, origins[row.id], origins),
            now=utc(row.received_at),
            request_id=request_id,
            submission_id=row.id,
            access=engine_access,
            new_cause=True,
        )
        if alert is not None:
            stored.append(alert)
    return stored


def _basis(
    draft: AlertDraft, row: ReportOrigin, rows: dict[str, ReportOrigin]
) -> list[FactReference]:
    """The triggering answers with their provenance, and the answers they were compared with."""
    found: list[FactReference] = []
    for trigger in draft.triggers:
        kind = "pro_composite_grade" if trigger.item.endswith(".composite") else "pro_answer"
        found.append(
            FactReference(
                label=f"{trigger.item} = {trigger.value} (reported {utc(row.authored_at):%Y-%m-%d})",
                kind=kind,
                provenance=provenance(row, trigger.item),
                match=f"rule {draft.rule.id} v{draft.rule.version}",
            )
        )
        before = rows.get(trigger.previous_submission_id or "")
        if before is not None and trigger.previous is not None:
            found.append(
                FactReference(
                    label=(
                        f"previous {trigger.item} = {trigger.previous} "
                        f"(reported {utc(before.authored_at):%Y-%m-%d})"
                    ),
                    kind=f"{kind}_previous",
                    provenance=provenance(before, trigger.item),
                    match="compared with",
                )
            )
    return found


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
