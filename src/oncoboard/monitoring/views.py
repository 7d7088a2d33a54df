# SPDX-License-Identifier: Apache-2.0
"""Read-side projections of stored reports: rule inputs, API views and symptom trajectories."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from oncoboard.monitoring import wording
from oncoboard.monitoring.branching import NOT_ANSWERED, Answer, effective_scores, item_key
from oncoboard.monitoring.config import MonitoringConfig
from oncoboard.monitoring.grading import Attribute
from oncoboard.monitoring.library import SCALES, ItemLibrary, Questionnaire
from oncoboard.monitoring.models import (
    AlertEventRow,
    AlertRow,
    ProAnswerRow,
    ProGradeRow,
    ProSubmissionRow,
)
from oncoboard.monitoring.rules import Report
from oncoboard.monitoring.schemas import (
    AlertDetail,
    AlertEventOut,
    AlertOut,
    AnswerOut,
    ItemOut,
    QuestionnaireOut,
    ReasonOut,
    ScaleOption,
    SubmissionOut,
    SymptomOut,
    SymptomTrajectory,
    Trajectory,
    TrajectoryPoint,
    TriggerOut,
)
from oncoboard.record.models import PatientRow
from oncoboard.store.db import core


def utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stored_answers(session: Session, submission_id: str) -> list[ProAnswerRow]:
    return list(
        session.scalars(
            select(ProAnswerRow)
            .where(ProAnswerRow.submission_id == submission_id)
            .order_by(ProAnswerRow.id)
        )
    )


def _stored_grades(session: Session, submission_id: str) -> dict[str, int | None]:
    rows = session.execute(
        select(ProGradeRow.symptom, ProGradeRow.grade)
        .where(ProGradeRow.submission_id == submission_id)
        .order_by(ProGradeRow.id)
    )
    return {symptom: grade for symptom, grade in rows}


def reports_for(session: Session, config: MonitoringConfig, patient_pk: int) -> list[Report]:
    """Every report of a patient as the rules see it, oldest first (skipped items imputed 0)."""
    return patient_reports(session, config, patient_pk)[0]


@dataclass(frozen=True, slots=True)
class ReportOrigin:
    """Where a stored report came from: an alert's basis cites it as provenance."""

    id: str
    authored_at: datetime
    received_at: datetime
    channel: str
    source_name: str
    source_sha256: str
    locator: str


# the rules read these on every submission: built once (building costs more than running);
# plain columns, not ORM objects (a patient's history is dozens of answers per report)
_REPORTS_WITH_ANSWERS = (
    select(
        ProSubmissionRow.id,
        ProSubmissionRow.authored_at,
        ProSubmissionRow.received_at,
        ProSubmissionRow.channel,
        ProSubmissionRow.source_name,
        ProSubmissionRow.source_sha256,
        ProSubmissionRow.locator,
        ProSubmissionRow.urgent,
        ProAnswerRow.symptom,
        ProAnswerRow.attribute,
        ProAnswerRow.item_id,
        ProAnswerRow.value,
        ProAnswerRow.missing_code,
    )
    .outerjoin(ProAnswerRow, ProAnswerRow.submission_id == ProSubmissionRow.id)
    .where(ProSubmissionRow.patient_id == bindparam("patient"))
    .order_by(ProSubmissionRow.authored_at, ProSubmissionRow.received_at, ProAnswerRow.id)
)
_GRADES = (
    select(ProGradeRow.submission_id, ProGradeRow.symptom, ProGradeRow.grade)
    .join(ProSubmissionRow, ProSubmissionRow.id == ProGradeRow.submission_id)
    .where(ProSubmissionRow.patient_id == bindparam("patient"))
    .order_by(ProGradeRow.id)
)


def patient_reports(
    session: Session, config: MonitoringConfig, patient_pk: int
) -> tuple[list[Report], dict[str, ReportOrigin]]:
    """The reports, oldest first, and where each came from by id (alerts cite it): two
    statements."""
    origins: dict[str, ReportOrigin] = {}
    urgent: dict[str, bool | None] = {}
    answers: dict[str, list[Answer]] = defaultdict(list)
    for found in core(session).execute(_REPORTS_WITH_ANSWERS, {"patient": patient_pk}):
        submission_id = found[0]
        if submission_id not in origins:
            origins[submission_id] = ReportOrigin(*found[:7])
            urgent[submission_id] = found[7]
        if found[8] is not None:
            symptom, attribute, item_id, value, missing = found[8:]
            answers[submission_id].append(
                Answer(symptom, Attribute(attribute), item_id, value, missing)
            )
    grades: dict[str, dict[str, int | None]] = defaultdict(dict)
    reports_grades = core(session).execute(_GRADES, {"patient": patient_pk})
    for submission_id, symptom, grade in reports_grades:
        grades[submission_id][symptom] = grade
    reports = [
        Report(
            submission_id=origin.id,
            authored_at=utc(origin.authored_at),
            scores=_scores(config.library, answers[origin.id]),
            grades=grades[origin.id],
            urgent=urgent[origin.id],
        )
        for origin in origins.values()
    ]
    return reports, origins


def _scores(library: ItemLibrary, answers: list[Answer]) -> dict[str, int | None]:
    by_key = {a.key: a for a in answers}
    scores: dict[str, int | None] = {}
    for symptom_key in dict.fromkeys(a.symptom for a in answers):
        symptom = library.symptoms.get(symptom_key)
        if symptom is None:
            continue
        for attribute, value in effective_scores(symptom, by_key).items():
            if attribute != Attribute.PRESENCE:
                scores[item_key(symptom_key, attribute)] = value
    return scores


def questionnaire_out(questionnaire: Questionnaire, library: ItemLibrary) -> QuestionnaireOut:
    symptoms = []
    for key in questionnaire.symptoms:
        symptom = library.symptoms[key]
        first = item_key(key, symptom.items[0].attribute)
        items = [
            ItemOut(
                item=item_key(key, item.attribute),
                item_id=item.item_id,
                attribute=item.attribute.value,
                options=[
                    ScaleOption(value=i, label=t) for i, t in enumerate(SCALES[item.attribute])
                ],
                missing_codes=list(item.missing_codes),
                asked_when="always" if position == 0 else f"{first} > 0",
            )
            for position, item in enumerate(symptom.items)
        ]
        symptoms.append(SymptomOut(symptom=key, term=symptom.term, items=items))
    return QuestionnaireOut(
        id=questionnaire.id,
        version=questionnaire.version,
        title=questionnaire.title,
        recall_days=questionnaire.recall_days,
        schedule_days=questionnaire.schedule_days,
        urgent_question=questionnaire.urgent_question,
        regimens=list(questionnaire.regimens),
        source=questionnaire.source,
        library=library.library,
        attribution=library.attribution,
        symptoms=symptoms,
    )


def external_id(session: Session, patient_pk: int) -> str:
    return session.scalar(select(PatientRow.external_id).where(PatientRow.id == patient_pk)) or ""


def reasons(alert: AlertRow) -> list[dict[str, Any]]:
    """The rules that fired for the alert; an alert stored before grouping had one."""
    if alert.reasons:
        return list(alert.reasons)
    return [
        {
            "rule_id": alert.rule_id,
            "rule_version": alert.rule_version,
            "rule_type": alert.rule_type,
            "priority": alert.priority,
            "text": alert.summary,
            "triggers": alert.triggers,
        }
    ]


def alert_out(
    alert: AlertRow,
    patient_id: str,
    now: datetime | None = None,
    library: ItemLibrary | None = None,
) -> AlertOut:
    """The alert as the API and pages show it; with ``library``, also in the patient's words."""
    moment = utc(now or datetime.now(UTC))
    found = reasons(alert)
    patient = (
        wording.patient_summary(library, alert.symptom, found)
        if library is not None and alert.symptom
        else None
    )
    return AlertOut(
        alert_id=alert.id,
        patient_id=patient_id,
        submission_id=alert.submission_id,
        symptom=alert.symptom,
        patient_summary=patient,
        reasons=[ReasonOut.model_validate(r) for r in found],
        rule_id=alert.rule_id,
        rule_version=alert.rule_version,
        ruleset=alert.ruleset,
        audience=alert.audience,
        priority=alert.priority,
        status=alert.status,
        summary=alert.summary,
        triggers=[TriggerOut.model_validate(t) for t in alert.triggers],
        recommendation_id=alert.recommendation_id,
        created_at=utc(alert.created_at),
        due_at=utc(alert.due_at),
        overdue=alert.acted_at is None
        and alert.status != "resolved"
        and utc(alert.due_at) <= moment,
        acted_at=_maybe(alert.acted_at),
        escalated_at=_maybe(alert.escalated_at),
        escalation_due_at=_maybe(alert.escalation_due_at),
        patient_told_at=_maybe(alert.patient_told_at),
        resolved_at=_maybe(alert.resolved_at),
        outcome=alert.outcome,
    )


def alert_detail(session: Session, alert: AlertRow, now: datetime | None = None) -> AlertDetail:
    events = session.scalars(
        select(AlertEventRow).where(AlertEventRow.alert_id == alert.id).order_by(AlertEventRow.id)
    )
    base = alert_out(alert, external_id(session, alert.patient_id), now)
    return AlertDetail(
        **base.model_dump(),
        events=[
            AlertEventOut(kind=e.kind, at=utc(e.at), actor=e.actor, note=e.note, outcome=e.outcome)
            for e in events
        ],
    )


def _maybe(value: datetime | None) -> datetime | None:
    return utc(value) if value is not None else None


def submission_out(
    session: Session,
    row: ProSubmissionRow,
    *,
    replayed: bool,
    library: ItemLibrary | None = None,
) -> SubmissionOut:
    """A stored report; with ``library`` its alerts also carry the patient's wording."""
    answers = _stored_answers(session, row.id)
    grades = _stored_grades(session, row.id)
    patient = external_id(session, row.patient_id)
    alerts = session.scalars(
        select(AlertRow).where(AlertRow.submission_id == row.id).order_by(AlertRow.rule_id)
    )
    return SubmissionOut(
        submission_id=row.id,
        patient_id=patient,
        questionnaire_id=row.questionnaire_id,
        questionnaire_version=row.questionnaire_version,
        idempotency_key=row.idempotency_key,
        authored_at=utc(row.authored_at),
        received_at=utc(row.received_at),
        submitted_by=row.submitted_by,
        channel=row.channel,
        source_name=row.source_name,
        locator=row.locator,
        urgent=row.urgent,
        answers=[
            AnswerOut(
                item=f"{a.symptom}.{a.attribute}",
                item_id=a.item_id,
                value=a.value,
                missing_code=a.missing_code,
            )
            for a in answers
        ],
        grades=dict(grades),
        missing=[f"{a.symptom}.{a.attribute}" for a in answers if a.missing_code == NOT_ANSWERED],
        alerts=[alert_out(a, patient, library=library) for a in alerts],
        replayed=replayed,
    )


def trajectory(
    session: Session, config: MonitoringConfig, patient_pk: int, patient_id: str
) -> Trajectory:
    """Grade over time per symptom, in first-reported order."""
    points: dict[str, list[TrajectoryPoint]] = defaultdict(list)
    for report in reports_for(session, config, patient_pk):
        for symptom, grade in report.grades.items():
            prefix = f"{symptom}."
            points[symptom].append(
                TrajectoryPoint(
                    submission_id=report.submission_id,
                    authored_at=report.authored_at,
                    grade=grade,
                    scores={
                        k.removeprefix(prefix): v
                        for k, v in report.scores.items()
                        if k.startswith(prefix)
                    },
                )
            )
    return Trajectory(
        patient_id=patient_id,
        symptoms=[
            SymptomTrajectory(
                symptom=key,
                term=config.library.symptoms[key].term if key in config.library.symptoms else key,
                points=found,
            )
            for key, found in points.items()
        ],
    )
