# SPDX-License-Identifier: Apache-2.0
"""Pages of symptom monitoring, part 1: the patient's survey, its confirmation and status.

The form posts to the same service as ``POST /api/v1/patients/{id}/pro/submissions``
(channel ``web``); the hidden idempotency key makes a double submit or a retry store one
report. The nurse queue is in ``web_alerts`` and is included below.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.templates import templates
from oncoboard.errors import Conflict, InputError, NotFound
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.monitoring import queue, reads, service, survey, wording
from oncoboard.monitoring.config import MonitoringConfig
from oncoboard.monitoring.routes import ConfigDep
from oncoboard.monitoring.schemas import QuestionnaireOut, SubmissionIn, SubmissionOut
from oncoboard.monitoring.service import SubmissionSource
from oncoboard.monitoring.web_alerts import router as alert_pages

router = APIRouter(include_in_schema=False)
SOURCE = SubmissionSource(channel="web", source_name="web form", locator="survey form")
PAGE = 20


async def _form_values(request: Request) -> dict[str, str]:
    """Every posted field (item names are data, so not declared one by one)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(_form_values)]


def _report_access(session: Session, actor: Actor, patient_id: str, obj: str) -> Access:
    return gate.authorize(
        session,
        actor=actor,
        action=Action.REPORT_SYMPTOMS,
        purpose=Purpose.TREATMENT,
        obj=obj,
        patient_id=patient_id,
    )


def _survey_url(patient_id: str, questionnaire_id: str | None = None) -> str:
    base = f"/patients/{quote(patient_id, safe='')}/symptoms/report"
    return base + (f"?{urlencode({'questionnaire': questionnaire_id})}" if questionnaire_id else "")


@router.get("/symptoms")
def my_symptoms(actor: ActorDep, session: SessionDep) -> Response:
    """A patient's shortcut to their own survey; staff go to the alert queue (both gated)."""
    if actor.patient_external_id:
        _report_access(session, actor, actor.patient_external_id, "PRO survey shortcut")
        return RedirectResponse(_survey_url(actor.patient_external_id), status_code=303)
    queue.authorize_queue(session, actor, "alert queue shortcut")
    return RedirectResponse("/alerts", status_code=303)


def _questionnaire(
    session: Session, access: Access, config: MonitoringConfig, wanted: str | None
) -> QuestionnaireOut:
    chosen = wanted or reads.enrolled_questionnaire(session, access=access)
    chosen = chosen or next(iter(config.questionnaires))
    return service.get_questionnaire(config=config, questionnaire_id=chosen)


@router.get("/patients/{patient_id}/symptoms/report", response_class=HTMLResponse)
def survey_page(
    request: Request,
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    config: ConfigDep,
    questionnaire: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """The weekly symptom report, phone-sized; the banner says when to call the care team."""
    access = _report_access(session, actor, patient_id, "PRO survey form")
    chosen = _questionnaire(session, access, config, questionnaire)
    form = survey.build(chosen, str(uuid.uuid4()))
    return _survey(request, session, access, config, form)


def _survey(
    request: Request,
    session: Session,
    access: Access,
    config: MonitoringConfig,
    form: survey.SurveyForm,
    *,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "patient_id": access.patient_id,
        "form": form,
        "status": queue.patient_status(session, access=access, config=config),
        "others": [q for q in config.questionnaires.values() if q.id != form.questionnaire.id],
        "message": message,
        "survey_url": _survey_url,
    }
    return templates.TemplateResponse(request, "pro_survey.html", context, status_code=status_code)


@router.post("/patients/{patient_id}/symptoms/report", response_class=HTMLResponse)
def survey_submit(
    request: Request,
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    config: ConfigDep,
    values: FormDep,
) -> Response:
    """Store the report once; a refused form comes back with a message next to each field."""
    access = _report_access(session, actor, patient_id, "PRO submission (web form)")
    try:
        chosen = service.get_questionnaire(
            config=config, questionnaire_id=values.get("questionnaire_id", "")
        )
    except NotFound as error:
        raise InputError(str(error.args[0])) from None
    key = values.get("idempotency_key", "")
    form = survey.build(chosen, key or str(uuid.uuid4()), values)
    answers, urgent, errors = survey.parse(form)
    if errors:
        form.errors = errors
        return _survey(request, session, access, config, form, status_code=422)
    if not answers and urgent is not True:
        message = (
            "Nothing was answered yet: answer at least one question (questions you skip are "
            "fine) before sending."
        )
        return _survey(request, session, access, config, form, message=message, status_code=422)
    try:
        submission = SubmissionIn(
            questionnaire_id=chosen.id, idempotency_key=key, answers=answers, urgent=urgent
        )
        # a refusal leaves nothing behind but the audit entry of the attempt
        with session.begin_nested():
            out = service.submit(
                session, access=access, config=config, submission=submission, source=SOURCE
            )
    except ValidationError:
        form.idempotency_key = str(uuid.uuid4())
        message = "The form expired; please check your answers and send them again."
        return _survey(request, session, access, config, form, message=message, status_code=422)
    except InputError as error:
        form.errors = survey.problem_errors(list(error.problems))
        return _survey(request, session, access, config, form, status_code=422)
    except Conflict:
        form.idempotency_key = str(uuid.uuid4())
        message = (
            "This report was already sent with different answers. Nothing was changed. "
            "Check your answers and send them as a new report."
        )
        return _survey(request, session, access, config, form, message=message, status_code=409)
    target = f"/patients/{quote(patient_id, safe='')}/symptoms/reports/{out.submission_id}"
    return RedirectResponse(target, status_code=303)


# what an alert's status means to the patient
STATUS_WORDS = {
    "open": "sent to your care team",
    "acknowledged": "a nurse has seen it",
    "escalated": "passed on to a doctor",
    "resolved": "dealt with by your care team",
}


@dataclass(frozen=True)
class ReportView:
    """One report as the patient reads it: her answers, the questions left blank, and what her
    care team was told (PRO-CTCAE words, never keys or grades)."""

    submission: SubmissionOut
    blanks: list[tuple[str, str]]
    told: list[tuple[str, str]]
    respond_hours: int | None


def report_view(config: MonitoringConfig, out: SubmissionOut) -> ReportView:
    blanks: list[tuple[str, str]] = []
    if out.questionnaire_id in config.questionnaires:
        questionnaire = service.get_questionnaire(
            config=config, questionnaire_id=out.questionnaire_id
        )
        blanks = survey.blank_questions(survey.build(questionnaire, ""), out.missing)
    staff = [a for a in out.alerts if a.audience == "staff"]
    told = [
        (
            wording.patient_summary(config.library, a.symptom, [r.model_dump() for r in a.reasons])
            if a.symptom
            else "your report",
            STATUS_WORDS.get(a.status, a.status),
        )
        for a in staff
    ]
    high = any(a.priority == "high" for a in staff)
    hours = int(config.sla("high" if high else "normal").total_seconds() // 3600) if staff else None
    return ReportView(out, blanks, told, hours)


def _patient_context(
    session: Session, access: Access, config: MonitoringConfig, patient_id: str
) -> dict[str, object]:
    return {
        "patient_id": patient_id,
        "status": queue.patient_status(session, access=access, config=config),
        "terms": {k: s.term for k, s in config.library.symptoms.items()},
        "scales": survey.ATTRIBUTE_LABELS,
        "answer_text": survey.answer_text,
        "survey_url": _survey_url,
    }


@router.get("/patients/{patient_id}/symptoms/reports/{submission_id}", response_class=HTMLResponse)
def survey_done(
    request: Request,
    patient_id: str,
    submission_id: str,
    actor: ActorDep,
    session: SessionDep,
    config: ConfigDep,
) -> HTMLResponse:
    """The confirmation: what was received, what was left blank, who was told, and what to do
    if it cannot wait."""
    access = _report_access(session, actor, patient_id, f"PRO submission {submission_id}")
    out = reads.submission(session, access=access, submission_id=submission_id)
    context = _patient_context(session, access, config, patient_id) | {
        "submission": out,
        "view": report_view(config, out),
    }
    return templates.TemplateResponse(request, "pro_done.html", context)


@router.get("/patients/{patient_id}/symptoms/reports", response_class=HTMLResponse)
def my_reports(
    request: Request,
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    config: ConfigDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """The patient's symptom reports, newest first, with what the care team was told."""
    access = _report_access(session, actor, patient_id, "PRO submissions (my reports)")
    found, total = reads.submissions(session, access=access, limit=PAGE, offset=(page - 1) * PAGE)
    context = _patient_context(session, access, config, patient_id) | {
        "reports": [report_view(config, out) for out in found],
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE)),
    }
    return templates.TemplateResponse(request, "pro_reports.html", context)


router.include_router(alert_pages)
