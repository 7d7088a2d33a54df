# SPDX-License-Identifier: Apache-2.0
"""HTTP routes of symptom monitoring: questionnaires, submissions, trajectory, the alert queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import problem_responses
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.http import ActorDep, in_one_unit
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.monitoring import queue, service
from oncoboard.monitoring.config import MonitoringConfig, default_config
from oncoboard.monitoring.schemas import (
    AlertActionIn,
    AlertDetail,
    AlertQueue,
    AlertStatus,
    EnrolmentIn,
    EnrolmentOut,
    PatientStatus,
    QuestionnaireList,
    QuestionnaireOut,
    SubmissionIn,
    SubmissionList,
    SubmissionOut,
    Trajectory,
)

router = APIRouter(tags=["symptom monitoring"])


def monitoring_config(request: Request) -> MonitoringConfig:
    """Monitoring settings, built once per app from ``ONCOBOARD_PRO_*`` at first use (reads
    files: call it from a worker thread)."""
    config: MonitoringConfig | None = getattr(request.app.state, "monitoring_config", None)
    if config is None:
        config = default_config()
        request.app.state.monitoring_config = config
    return config


async def get_config(request: Request) -> MonitoringConfig:
    """The dependency: no thread-pool hop once the settings are built."""
    config: MonitoringConfig | None = getattr(request.app.state, "monitoring_config", None)
    return config if config is not None else await run_in_threadpool(monitoring_config, request)


ConfigDep = Annotated[MonitoringConfig, Depends(get_config)]


def _patient(session: Session, actor: Actor, patient_id: str, action: Action, obj: str) -> Access:
    return gate.authorize(
        session,
        actor=actor,
        action=action,
        purpose=Purpose.TREATMENT,
        obj=obj,
        patient_id=patient_id,
    )


def _forms(session: Session, actor: Actor) -> None:
    gate.authorize(
        session,
        actor=actor,
        action=Action.REPORT_SYMPTOMS,
        purpose=Purpose.TREATMENT,
        obj="PRO questionnaires",
    )


@router.get(
    "/pro/questionnaires",
    response_model=QuestionnaireList,
    responses=problem_responses(401, 403),
)
def list_questionnaires(
    actor: ActorDep, session: SessionDep, config: ConfigDep
) -> QuestionnaireList:
    """List the configured symptom questionnaires with their items and skip logic."""
    _forms(session, actor)
    return QuestionnaireList(items=service.list_questionnaires(config=config))


@router.get(
    "/pro/questionnaires/{questionnaire_id}",
    response_model=QuestionnaireOut,
    responses=problem_responses(401, 403, 404, 422),
)
def get_questionnaire(
    questionnaire_id: str, actor: ActorDep, session: SessionDep, config: ConfigDep
) -> QuestionnaireOut:
    """Get one questionnaire with its items, scales and skip logic."""
    _forms(session, actor)
    return service.get_questionnaire(config=config, questionnaire_id=questionnaire_id)


@router.post(
    "/patients/{patient_id}/pro/submissions",
    response_model=SubmissionOut,
    status_code=201,
    responses={
        200: {"model": SubmissionOut, "description": "Replay: this key was already stored."},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def submit(
    patient_id: str,
    submission: SubmissionIn,
    request: Request,
    response: Response,
    config: ConfigDep,
) -> SubmissionOut:
    """Submit a symptom report once; a retry with the same idempotency key returns it (200)."""

    def work(session: Session, actor: Actor) -> SubmissionOut:
        access = _patient(session, actor, patient_id, Action.REPORT_SYMPTOMS, "PRO submission")
        return service.submit(session, access=access, config=config, submission=submission)

    # every patient's phone posts here: one thread hop instead of three
    out = await in_one_unit(request, work)
    if out.replayed:
        response.status_code = 200
    return out


@router.get(
    "/patients/{patient_id}/pro/submissions",
    response_model=SubmissionList,
    responses=problem_responses(401, 403, 404, 422),
)
def list_submissions(
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SubmissionList:
    """List a patient's symptom reports, newest first, with grades and alerts."""
    access = _patient(session, actor, patient_id, Action.VIEW_RECORD, "PRO submissions")
    return service.list_submissions(session, access=access, limit=limit, offset=offset)


@router.post(
    "/patients/{patient_id}/pro/enrolments",
    response_model=EnrolmentOut,
    status_code=201,
    responses=problem_responses(401, 403, 404, 422),
)
def enrol(
    patient_id: str,
    enrolment: EnrolmentIn,
    actor: ActorDep,
    session: SessionDep,
    config: ConfigDep,
) -> EnrolmentOut:
    """Enrol a patient in a questionnaire schedule so missed reports are chased."""
    access = _patient(session, actor, patient_id, Action.EDIT_RECORD, "PRO enrolment")
    return service.enrol(session, access=access, config=config, enrolment=enrolment)


@router.get(
    "/patients/{patient_id}/pro/trajectory",
    response_model=Trajectory,
    responses=problem_responses(401, 403, 404, 422),
)
def trajectory(
    patient_id: str, actor: ActorDep, session: SessionDep, config: ConfigDep
) -> Trajectory:
    """Get composite grade over time per symptom (chart data)."""
    access = _patient(session, actor, patient_id, Action.VIEW_RECORD, "PRO trajectory")
    return service.trajectory(session, access=access, config=config)


@router.get(
    "/patients/{patient_id}/pro/status",
    response_model=PatientStatus,
    responses=problem_responses(401, 403, 404, 422),
)
def patient_status(
    patient_id: str, actor: ActorDep, session: SessionDep, config: ConfigDep
) -> PatientStatus:
    """Get what the patient sees: whether to contact the care team now, and reminders."""
    access = _patient(session, actor, patient_id, Action.VIEW_RECORD, "PRO status")
    return queue.patient_status(session, access=access, config=config)


@router.get("/alerts", response_model=AlertQueue, responses=problem_responses(401, 403, 422))
def list_alerts(
    actor: ActorDep,
    session: SessionDep,
    config: ConfigDep,
    status: Annotated[list[AlertStatus] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AlertQueue:
    """List symptom alerts by priority then age, escalating overdue ones first."""
    access = queue.authorize_queue(session, actor)
    return queue.list_queue(
        session,
        access=access,
        config=config,
        statuses=tuple(status) if status else queue.OPEN,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/alerts/{alert_id}",
    response_model=AlertDetail,
    responses=problem_responses(401, 403, 404, 422),
)
def get_alert(alert_id: str, actor: ActorDep, session: SessionDep) -> AlertDetail:
    """Get one alert with its full history."""
    access = queue.authorize_alert(session, actor, alert_id)
    return queue.get_alert(session, access=access, alert_id=alert_id)


@router.post(
    "/alerts/{alert_id}/actions",
    response_model=AlertDetail,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def act_on_alert(
    alert_id: str,
    action: AlertActionIn,
    actor: ActorDep,
    session: SessionDep,
    config: ConfigDep,
) -> AlertDetail:
    """Acknowledge, annotate, log a call, escalate or resolve an alert (kept as history)."""
    access = queue.authorize_alert(session, actor, alert_id)
    return queue.act(session, access=access, config=config, alert_id=alert_id, action=action)
