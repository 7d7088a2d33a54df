# SPDX-License-Identifier: Apache-2.0
"""Symptom reports: questionnaires, enrolment, idempotent submission, history and trajectory.

Every function takes the gate's ``Access`` and never commits (the caller's unit of work does).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from oncoboard.errors import Conflict, InputError, NotFound, Problem
from oncoboard.governance import gate
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Action
from oncoboard.monitoring import alerting, views
from oncoboard.monitoring.branching import Answer, answered, check_answers, grades, missing_items
from oncoboard.monitoring.config import MonitoringConfig
from oncoboard.monitoring.library import Questionnaire
from oncoboard.monitoring.models import (
    AlertRow,
    ProAnswerRow,
    ProEnrolmentRow,
    ProGradeRow,
    ProSubmissionRow,
)
from oncoboard.monitoring.schemas import (
    AnswerOut,
    EnrolmentIn,
    EnrolmentOut,
    QuestionnaireOut,
    SubmissionIn,
    SubmissionList,
    SubmissionOut,
    Trajectory,
)
from oncoboard.store.base import Base
from oncoboard.store.db import core, insert_or_skip

GRADING = "PRO-CTCAE composite (Basch 2021)"
CLOCK_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class SubmissionSource:
    """Where a submission came from (stored as its provenance)."""

    channel: str = "api"
    source_name: str = "api"
    source_sha256: str | None = None  # default: the content hash
    locator: str = "request body"


def list_questionnaires(*, config: MonitoringConfig) -> list[QuestionnaireOut]:
    """The configured questionnaires (no patient data, so no gate)."""
    return [views.questionnaire_out(q, config.library) for q in config.questionnaires.values()]


def get_questionnaire(*, config: MonitoringConfig, questionnaire_id: str) -> QuestionnaireOut:
    return views.questionnaire_out(_questionnaire(config, questionnaire_id), config.library)


def _questionnaire(config: MonitoringConfig, questionnaire_id: str) -> Questionnaire:
    found = config.questionnaires.get(questionnaire_id)
    if found is None:
        raise NotFound(
            f"questionnaire {questionnaire_id!r} not found; "
            f"configured: {', '.join(sorted(config.questionnaires))}"
        )
    return found


def content_hash(submission: SubmissionIn) -> str:
    """Canonical hash of what the client sent; a replay must match it exactly."""
    body = submission.model_dump(mode="json", exclude={"idempotency_key"})
    if submission.authored_at is not None:
        body["authored_at"] = submission.authored_at.astimezone(UTC).isoformat()
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def submit(
    session: Session,
    *,
    access: Access,
    config: MonitoringConfig,
    submission: SubmissionIn,
    source: SubmissionSource | None = None,
    now: datetime | None = None,
) -> SubmissionOut:
    """Store one questionnaire once; a retry with the same key returns the stored one.

    Items left blank are stored as missing (``not_answered``), never refused: a partial report
    still alerts on what was answered (clinical-safety invariant 8).

    Raises
    ------
    InputError
        Unknown questionnaire or item, an out-of-scale answer, a skip-logic violation or a report
        with nothing answered at all (every problem, located); nothing is written.
    Conflict
        The key was already used for different content.
    """
    gate.require(access, Action.REPORT_SYMPTOMS)
    source = source or SubmissionSource()
    pk = gate.record_key(session, access)
    digest = content_hash(submission)
    try:
        values, answers = _validated_row(access, config, submission, source, pk, digest, now)
    except InputError:
        # a retry of a report stored under earlier settings is answered with what was stored
        if (stored := _replay(session, pk, submission.idempotency_key, digest)) is None:
            raise
        return views.submission_out(session, stored, replayed=True, library=config.library)
    if not _claim_key(session, values):
        # the key is taken: a retry (the stored report) or other content (Conflict); a retry
        # racing the first send waits here for that transaction, then finds its report
        stored = _replay(session, pk, submission.idempotency_key, digest)
        if stored is None:
            raise Conflict(f"idempotency key {submission.idempotency_key!r} is in use; retry")
        return views.submission_out(session, stored, replayed=True, library=config.library)
    row = ProSubmissionRow(**values)  # what was stored, for the alerts and the answer
    grade_map = _insert(session, config, row, answers)
    alerting.close_missed_reminders(session, pk, row.received_at, access.actor.username)
    alerts = alerting.raise_for_submission(session, config=config, row=row, access=access)
    return _new_submission_out(config, row, access.patient_id or "", answers, grade_map, alerts)


def _new_submission_out(
    config: MonitoringConfig,
    row: ProSubmissionRow,
    patient_id: str,
    answers: list[Answer],
    grade_map: dict[str, int | None],
    alerts: list[AlertRow],
) -> SubmissionOut:
    """What was just written, from memory (reading it back costs four queries per report)."""
    return SubmissionOut(
        submission_id=row.id,
        patient_id=patient_id,
        questionnaire_id=row.questionnaire_id,
        questionnaire_version=row.questionnaire_version,
        idempotency_key=row.idempotency_key,
        authored_at=alerting.utc(row.authored_at),
        received_at=alerting.utc(row.received_at),
        submitted_by=row.submitted_by,
        channel=row.channel,
        source_name=row.source_name,
        locator=row.locator,
        urgent=row.urgent,
        answers=[
            AnswerOut(item=a.key, item_id=a.item_id, value=a.value, missing_code=a.missing_code)
            for a in answers
        ],
        grades=grade_map,
        missing=missing_items(answers),
        alerts=[views.alert_out(a, patient_id, library=config.library) for a in alerts],
        replayed=False,
    )


def _replay(session: Session, pk: int, key: str, digest: str) -> ProSubmissionRow | None:
    existing = session.scalar(
        select(ProSubmissionRow).where(
            ProSubmissionRow.patient_id == pk, ProSubmissionRow.idempotency_key == key
        )
    )
    if existing is not None and existing.content_sha256 != digest:
        raise Conflict(
            f"idempotency key {key!r} was already used on {existing.received_at:%Y-%m-%d %H:%M} "
            f"UTC for different content (submission {existing.id}); use a new key"
        )
    return existing


def _claim_key(session: Session, values: dict[str, object]) -> bool:
    """Store the submission unless its (patient, key) is taken: one statement, no savepoint."""
    statement = insert_or_skip(
        session, ProSubmissionRow, ("patient_id", "idempotency_key"), ("id",)
    )
    return core(session).execute(statement, values).first() is not None


def _validated_row(
    access: Access,
    config: MonitoringConfig,
    submission: SubmissionIn,
    source: SubmissionSource,
    pk: int,
    digest: str,
    now: datetime | None,
) -> tuple[dict[str, object], list[Answer]]:
    received = alerting.utc(now or datetime.now(UTC))
    name = source.source_name
    questionnaire = config.questionnaires.get(submission.questionnaire_id)
    if questionnaire is None:
        raise InputError(
            "unknown questionnaire",
            [
                Problem(
                    name,
                    source.locator,
                    "questionnaire_id",
                    submission.questionnaire_id,
                    f"one of {', '.join(sorted(config.questionnaires))}",
                )
            ],
        )
    answers, problems = check_answers(
        questionnaire, config.library, submission.answers, source=name, locator=source.locator
    )
    if not problems and not answered(answers) and submission.urgent is not True:
        problems.append(
            Problem(name, source.locator, "answers", "", "at least one answer (or urgent: yes)")
        )
    authored = alerting.utc(submission.authored_at) if submission.authored_at else received
    if authored > received + CLOCK_SKEW:
        problems.append(
            Problem(name, source.locator, "authored_at", authored.isoformat(), "not in the future")
        )
    if problems:
        raise InputError(
            f"{name}: {len(problems)} problem(s) in the answers; nothing stored", problems
        )
    values: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "patient_id": pk,
        "questionnaire_id": questionnaire.id,
        "questionnaire_version": questionnaire.version,
        "idempotency_key": submission.idempotency_key,
        "content_sha256": digest,
        "authored_at": authored,
        "received_at": received,
        "submitted_by": access.actor.username,
        "channel": source.channel,
        "source_name": name[:512],
        "source_sha256": source.source_sha256 or digest,
        "locator": source.locator[:200],
        "urgent": submission.urgent,
        "library_version": config.library.version,
    }
    return values, answers


def _insert(
    session: Session, config: MonitoringConfig, row: ProSubmissionRow, answers: list[Answer]
) -> dict[str, int | None]:
    """The stored submission's raw answers and composite grades; returns the grades.

    Plain multi-row INSERTs (nothing reads these rows back as objects in this transaction)."""
    questionnaire = config.questionnaires[row.questionnaire_id]
    core(session).execute(
        _INSERT_ANSWERS,
        [
            {
                "submission_id": row.id,
                "symptom": a.symptom,
                "attribute": a.attribute.value,
                "item_id": a.item_id,
                "value": a.value,
                "missing_code": a.missing_code,
            }
            for a in answers
        ],
    )
    grade_map = grades(questionnaire, config.library, answers)
    if grade_map:
        core(session).execute(
            _INSERT_GRADES,
            [
                {"submission_id": row.id, "symptom": key, "grade": grade, "algorithm": GRADING}
                for key, grade in grade_map.items()
            ],
        )
    return dict(grade_map)


_INSERT_ANSWERS = insert(Base.metadata.tables[ProAnswerRow.__tablename__])
_INSERT_GRADES = insert(Base.metadata.tables[ProGradeRow.__tablename__])


def enrol(
    session: Session, *, access: Access, config: MonitoringConfig, enrolment: EnrolmentIn
) -> EnrolmentOut:
    """Ask a patient to report on a questionnaire on its schedule (missed reports are chased)."""
    gate.require(access, Action.EDIT_RECORD)
    questionnaire = _questionnaire(config, enrolment.questionnaire_id)
    starts = alerting.utc(enrolment.starts_at or datetime.now(UTC))
    row = ProEnrolmentRow(
        patient_id=gate.record_key(session, access),
        questionnaire_id=questionnaire.id,
        schedule_days=enrolment.schedule_days or questionnaire.schedule_days,
        starts_at=starts,
        enrolled_by=access.actor.username,
    )
    session.add(row)
    session.flush()
    return EnrolmentOut(
        enrolment_id=row.id,
        patient_id=access.patient_id or "",
        questionnaire_id=row.questionnaire_id,
        schedule_days=row.schedule_days,
        starts_at=starts,
        enrolled_by=row.enrolled_by,
    )


def list_submissions(
    session: Session, *, access: Access, limit: int = 50, offset: int = 0
) -> SubmissionList:
    """A patient's submissions, newest first."""
    gate.require(access, Action.VIEW_RECORD)
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
    return SubmissionList(
        items=[views.submission_out(session, r, replayed=False) for r in rows], total=total
    )


def trajectory(session: Session, *, access: Access, config: MonitoringConfig) -> Trajectory:
    """Composite grade and item scores over time, per symptom (chart data)."""
    gate.require(access, Action.VIEW_RECORD)
    pk = gate.record_key(session, access)
    return views.trajectory(session, config, pk, access.patient_id or "")
