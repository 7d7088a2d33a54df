# SPDX-License-Identifier: Apache-2.0
"""The patient's phone-first home, consent changes from it, and released documents.

Consent and the access log reuse ``governance.service`` behind the gate (a patient can always
manage consent and see who opened the record, even while objecting to care use); symptom reports
and released documents are read with the access their purpose needs.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.templates import templates
from oncoboard.errors import ConsentDenied, InputError, PermissionDenied
from oncoboard.governance import gate
from oncoboard.governance import service as governance
from oncoboard.governance.consent import ConsentIn
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.monitoring import queue
from oncoboard.monitoring.routes import ConfigDep, monitoring_config
from oncoboard.portal import service
from oncoboard.report import service as report_service

router = APIRouter(include_in_schema=False)
ACCESS_LOG_LINES = 30

# Each purpose in the patient's words; the legal basis stays on the staff consent page.
PURPOSE_TEXT = {
    Purpose.TREATMENT: (
        "Use of my record for my care",
        "Your care team uses your record to treat you. If you object, they can open it only in "
        "an emergency, and every such access is shown to you below.",
    ),
    Purpose.RESEARCH: (
        "Research",
        "Researchers at this hospital may include your data in approved studies.",
    ),
    Purpose.FEDERATED_ANALYSIS: (
        "Research networks",
        "Other hospitals' researchers may receive counts that include you (never your record).",
    ),
    Purpose.MODEL_TRAINING: (
        "Training prediction models",
        "Your data may be used to build and check models that support clinicians.",
    ),
    Purpose.RECONTACT: (
        "Being contacted about research",
        "The hospital may contact you about studies you could join.",
    ),
}


def _access(session: Session, actor: Actor, action: Action, obj: str) -> Access:
    return gate.authorize(
        session,
        actor=actor,
        action=action,
        purpose=Purpose.TREATMENT,
        obj=obj,
        patient_id=actor.patient_external_id,
    )


def home_page(request: Request, actor: Actor, session: Session) -> HTMLResponse:
    """The patient's home: one column, phone-first; each part says why when it cannot show."""
    if not actor.patient_external_id:
        return templates.TemplateResponse(request, "portal_home.html", {"linked": False})
    config = monitoring_config(request)
    consent_access = _access(session, actor, Action.MANAGE_CONSENT, "patient home: consent")
    context: dict[str, Any] = {
        "linked": True,
        "patient_id": actor.patient_external_id,
        "first_name": actor.display_name.split(" ")[0],
        "consent": governance.consent_overview(session, access=consent_access),
        "access_log": governance.access_log(session, access=consent_access, limit=ACCESS_LOG_LINES),
        "care_team": service.care_team(session, access=consent_access, config=config),
        "purpose_text": PURPOSE_TEXT,
        "reports": None,
        "status": None,
        "documents": None,
        "objected": None,
    }
    try:
        reporting = _access(session, actor, Action.REPORT_SYMPTOMS, "patient home: my reports")
        context["reports"] = service.my_reports(session, access=reporting, config=config)
        context["status"] = queue.patient_status(session, access=reporting, config=config)
        reading = _access(session, actor, Action.VIEW_RECORD, "patient home: my documents")
        context["documents"] = service.released_documents(session, access=reading)
    except ConsentDenied as error:
        context["objected"] = str(error.args[0]) if error.args else str(error)
    return templates.TemplateResponse(request, "portal_home.html", context)


@router.post("/my/consent")
def my_consent(
    actor: ActorDep,
    session: SessionDep,
    purpose: Annotated[str, Form(max_length=32)] = "",
    status: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """A patient grants or withdraws consent for one purpose from their home (self-service)."""
    access = _access(session, actor, Action.MANAGE_CONSENT, f"consent {purpose}"[:256])
    if not actor.patient_external_id:
        raise PermissionDenied("only a patient account linked to a record changes its consent here")
    if purpose not in {p.value for p in PURPOSE_TEXT} or status not in ("granted", "withdrawn"):
        raise InputError(
            f"purpose {purpose!r} / status {status!r}: expected one of "
            f"{', '.join(p.value for p in PURPOSE_TEXT)} and granted or withdrawn"
        )
    chosen = Purpose(purpose)
    consent_in = ConsentIn(purpose=chosen, status=status, source=governance.SELF_SERVICE)
    governance.change_consent(session, access=access, consent_in=consent_in)
    return RedirectResponse(f"/?changed={chosen.value}#consent", status_code=303)


def _patient_url(patient_id: str, anchor: str = "") -> str:
    return f"/patients/{quote(patient_id, safe='')}{anchor}"


@router.post("/patients/{patient_id}/documents/report")
def release_report(
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    note: Annotated[str, Form(max_length=service.MAX_NOTE)] = "",
) -> Response:
    """Release the tumour-board report as it is now to the patient's home (a clinician)."""
    deciding = gate.authorize(
        session,
        actor=actor,
        action=Action.DECIDE,
        purpose=Purpose.TREATMENT,
        obj="release tumour-board report to the patient",
        patient_id=patient_id,
    )
    viewing = report_service.authorize(session, actor, patient_id, "report (release)")
    report = report_service.build_report(session, access=viewing)
    service.release_report(session, access=deciding, report=report, note=note or None)
    return RedirectResponse(_patient_url(patient_id, "#shared"), status_code=303)


@router.post("/patients/{patient_id}/documents/{document_id}/withdraw")
def withdraw_document(
    patient_id: str,
    document_id: str,
    actor: ActorDep,
    session: SessionDep,
    reason: Annotated[str, Form(max_length=service.MAX_NOTE)] = "",
) -> Response:
    """Take a released document back from the patient's view, with the reason."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.DECIDE,
        purpose=Purpose.TREATMENT,
        obj=f"withdraw released document {document_id}",
        patient_id=patient_id,
    )
    service.withdraw_release(session, access=access, document_id=document_id, reason=reason)
    return RedirectResponse(_patient_url(patient_id, "#shared"), status_code=303)


@router.get("/patients/{patient_id}/documents/{document_id}", response_class=HTMLResponse)
def released_document(
    request: Request,
    patient_id: str,
    document_id: str,
    actor: ActorDep,
    session: SessionDep,
    config: ConfigDep,
) -> HTMLResponse:
    """A released document exactly as it was released (patient or care team)."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj=f"released document {document_id}",
        patient_id=patient_id,
    )
    document, report = service.released_report(session, access=access, document_id=document_id)
    context = {
        "document": document,
        "report": report,
        "printable": True,
        "phone": config.settings.site_phone or None,
    }
    return templates.TemplateResponse(request, "portal_document.html", context)
