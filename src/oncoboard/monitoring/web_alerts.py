# SPDX-License-Identifier: Apache-2.0
"""Pages of symptom monitoring, part 2: the care team's alert queue, one alert, its actions,
and starting a dose proposal from an alert.

Actions post to the same service as ``POST /api/v1/alerts/{id}/actions`` (CSRF-checked by
``ActorDep`` for cookie sessions); each is an append-only event shown in the alert's history.
A dose proposal started here offers only the patient's current drugs and preselects the alert's
symptom as its CTCAE term and its PRO-CTCAE composite grade (intended to align with CTCAE grading,
Basch 2021), labelled patient-reported: the composite "supplements clinician CTCAE grading; it
does not replace it" (facts §1.2), so the form asks the clinician to confirm or change it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from oncoboard.dosing import service as dosing_service
from oncoboard.dosing import views as dosing_views
from oncoboard.edge.deps import SessionDep
from oncoboard.edge.templates import templates
from oncoboard.errors import Conflict
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.monitoring import queue, reads, wording
from oncoboard.monitoring.config import MonitoringConfig
from oncoboard.monitoring.grading import Attribute
from oncoboard.monitoring.library import SCALES
from oncoboard.monitoring.routes import ConfigDep
from oncoboard.monitoring.schemas import AlertActionIn, AlertDetail, AlertOut, AlertStatus
from oncoboard.record import service as record_service

router = APIRouter(include_in_schema=False)
FILTERS: dict[str, tuple[AlertStatus, ...]] = {
    "open-work": ("open", "acknowledged", "escalated"),  # queue.OPEN
    "open": ("open",),
    "acknowledged": ("acknowledged",),
    "escalated": ("escalated",),
    "resolved": ("resolved",),
}
OUTCOMES = (
    "advice_given", "managed_at_home", "visit_scheduled", "treatment_changed",
    "referred_to_emergency", "admitted", "no_action_needed", "could_not_reach", "other",
)  # fmt: skip


def _hours(delta_seconds: float) -> str:
    minutes = int(abs(delta_seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    text = f"{rest // 60} h {rest % 60:02d} min"
    return f"{days} d {text}" if days else text


def sla_text(alert: AlertOut, now: datetime) -> tuple[str, bool]:
    """What the SLA clock says for an alert, and whether it is overdue."""
    if alert.status == "resolved":
        return "resolved", False
    if alert.status == "escalated" and alert.escalation_due_at is not None:
        left = (alert.escalation_due_at - now).total_seconds()
        if left < 0:
            return f"clinician response overdue by {_hours(left)}", True
        return f"clinician response due in {_hours(left)}", False
    if alert.acted_at is not None:
        return f"acted on {alert.acted_at:%Y-%m-%d %H:%M} UTC", False
    left = (alert.due_at - now).total_seconds()
    if left < 0:
        return f"overdue by {_hours(left)}", True
    return f"{_hours(left)} left", False


def item_label(config: MonitoringConfig, item: str, value: int | None) -> str:
    """``hand_foot_syndrome.severity`` = 3 → "Hand-Foot Syndrome, severity: 3 (severe)"."""
    if item == "urgent":
        return "Patient answered: is this urgent? yes"
    symptom, _, attribute = item.partition(".")
    term = config.library.symptoms[symptom].term if symptom in config.library.symptoms else symptom
    if attribute == "composite":
        return f"{term}, PRO-CTCAE composite grade: {value}"
    label = ""
    if value is not None and attribute in {a.value for a in SCALES}:
        scale = SCALES[Attribute(attribute)]
        label = f" ({scale[value]})" if 0 <= value < len(scale) else ""
    return f"{term}, {attribute}: {value}{label}"


def alert_title(config: MonitoringConfig, alert: AlertOut) -> str:
    """The queue item's heading: the symptom in PRO-CTCAE words, else the summary."""
    if alert.symptom == wording.URGENT:
        return "Patient marked the symptom report urgent"
    if alert.symptom:
        return wording.term(config.library, alert.symptom)
    return alert.summary


def alert_symptoms(alert: AlertOut) -> list[str]:
    """The symptom keys an alert's triggers name, in order."""
    keys = [t.item.partition(".")[0] for t in alert.triggers if "." in t.item]
    return list(dict.fromkeys(keys))


def _context(config: MonitoringConfig, now: datetime) -> dict[str, object]:
    return {
        "now": now,
        "sla": lambda a: sla_text(a, now),
        "item_label": lambda item, value: item_label(config, item, value),
        "title": lambda a: alert_title(config, a),
        "symptoms_of": alert_symptoms,
        "terms": {k: s.term for k, s in config.library.symptoms.items()},
    }


@router.get("/alerts", response_class=HTMLResponse)
def queue_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    config: ConfigDep,
    status: Annotated[str, Query(max_length=16)] = "open-work",
    patient: Annotated[str | None, Query(max_length=128)] = None,
) -> HTMLResponse:
    """Open alerts by priority then age, with their basis and SLA clock; filter by status."""
    now = datetime.now(UTC)
    chosen = status if status in FILTERS else "open-work"
    if patient:
        access = gate.authorize(
            session, actor=actor, action=Action.TRIAGE_ALERTS, purpose=Purpose.TREATMENT,
            obj="alert queue (patient)", patient_id=patient,
        )  # fmt: skip
        items = [
            a
            for a in reads.patient_alerts(session, access=access, now=now)
            if a.status in FILTERS[chosen]
        ]
        total = len(items)
    else:
        access = queue.authorize_queue(session, actor)
        found = queue.list_queue(
            session, access=access, config=config, statuses=FILTERS[chosen], now=now
        )
        items, total = found.items, found.total
    grades = reads.composite_grades(session, access=access, alerts=items)
    context = _context(config, now) | {
        "items": items,
        "total": total,
        "all_grades": grades,
        "status": chosen,
        "filters": FILTERS,
        "patient": patient or "",
    }
    return templates.TemplateResponse(request, "alerts.html", context)


def _detail(
    request: Request,
    session: Session,
    config: MonitoringConfig,
    access: Access,
    alert_id: str,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    now = datetime.now(UTC)
    alert: AlertDetail = queue.get_alert(session, access=access, alert_id=alert_id, now=now)
    grades = reads.composite_grades(session, access=access, alerts=[alert])
    context = _context(config, now) | {
        "alert": alert,
        "grades": grades.get(alert.submission_id or "", {}),
        "error": error,
        "outcomes": OUTCOMES,
        "dose_drugs": _dose_drugs(session, access, alert),
    }
    return templates.TemplateResponse(
        request, "alerts_detail.html", context, status_code=status_code
    )


def _dose_drugs(session: Session, triage: Access, alert: AlertOut) -> list[str]:
    """The current drugs with a dose table the viewer may propose for (none if not allowed)."""
    if not dosing_views.may_propose(triage.actor):
        return []
    _, form = _current_drugs(session, triage.actor, alert.patient_id, f"alert {alert.alert_id}")
    return [d.drug for d in form.drugs] if form else []


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(
    request: Request, alert_id: str, actor: ActorDep, session: SessionDep, config: ConfigDep
) -> HTMLResponse:
    """One alert: basis, SLA, history of events, and the action forms."""
    access = queue.authorize_alert(session, actor, alert_id)
    return _detail(request, session, config, access, alert_id)


@router.post("/alerts/{alert_id}/actions", response_class=HTMLResponse)
def alert_action(
    request: Request,
    alert_id: str,
    actor: ActorDep,
    session: SessionDep,
    config: ConfigDep,
    action: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    outcome: Annotated[str, Form(max_length=32)] = "",
    back: Annotated[Literal["queue", "alert"], Form()] = "alert",
) -> Response:
    """Acknowledge, note, log a call, escalate or resolve; a refused form says what is missing."""
    access = queue.authorize_alert(session, actor, alert_id)
    try:
        step = AlertActionIn.model_validate(
            {"action": action, "note": note.strip() or None, "outcome": outcome or None}
        )
        with session.begin_nested():
            queue.act(session, access=access, config=config, alert_id=alert_id, action=step)
    except ValidationError as error:
        message = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
        return _detail(request, session, config, access, alert_id, error=message, status_code=422)
    except Conflict as error:
        message = str(error.args[0])
        return _detail(request, session, config, access, alert_id, error=message, status_code=409)
    target = "/alerts" if back == "queue" else f"/alerts/{quote(alert_id, safe='')}"
    return RedirectResponse(target, status_code=303)


def preselect(
    config: MonitoringConfig, alert: AlertOut, grades: dict[str, int | None]
) -> tuple[str, int | None]:
    """The alert's adverse event as its CTCAE v5.0 term (via the item library) and its
    patient-reported PRO-CTCAE composite grade (1-3), for the dose form to preselect."""
    keys = [alert.symptom] if alert.symptom else alert_symptoms(alert)
    for key in keys:
        symptom = config.library.symptoms.get(key or "")
        if symptom is not None and symptom.ctcae_term:
            grade = grades.get(symptom.key)
            return symptom.ctcae_term, grade if grade in (1, 2, 3) else None
    return "", None


def _current_drugs(
    session: Session, actor: Actor, patient_id: str, obj: str
) -> tuple[Access, dosing_views.DoseForm | None]:
    access = gate.authorize(
        session, actor=actor, action=Action.EDIT_RECORD, purpose=Purpose.TREATMENT,
        obj=obj, patient_id=patient_id,
    )  # fmt: skip
    treatments = record_service.treatments(session=session, access=access)
    stopped = dosing_service.discontinued_drugs(session, access=access)
    form = dosing_views.proposal_form(patient_id, treatments, actor=actor, discontinued=stopped)
    return access, form


@router.get("/alerts/{alert_id}/dose-proposal", response_class=HTMLResponse)
def dose_from_alert(
    request: Request,
    alert_id: str,
    actor: ActorDep,
    session: SessionDep,
    config: ConfigDep,
    drug: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """A dose-proposal form from the alert: the patient's current drugs, with the alert's adverse
    event and its patient-reported grade preselected (the clinician confirms both)."""
    triage = queue.authorize_alert(session, actor, alert_id)
    alert = queue.get_alert(session, access=triage, alert_id=alert_id)
    _, form = _current_drugs(
        session, actor, alert.patient_id, f"dose proposal from alert {alert_id}"
    )
    grades = reads.composite_grades(session, access=triage, alerts=[alert])
    submission_grades = grades.get(alert.submission_id or "", {})
    ae, grade = preselect(config, alert, submission_grades)
    context = _context(config, datetime.now(UTC)) | {
        "alert": alert,
        "form": form,
        "chosen": drug if form and drug in {d.drug for d in form.drugs} else "",
        "ae": ae,
        "grade": grade,
        "grades": submission_grades,
    }
    return templates.TemplateResponse(request, "pro_dose.html", context)
