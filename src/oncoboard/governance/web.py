# SPDX-License-Identifier: Apache-2.0
"""Governance pages: log in/out, consent per purpose, who accessed a record, decisions, audit."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import retry_headers
from oncoboard.edge.templates import templates
from oncoboard.errors import NotAuthenticated, RateLimited
from oncoboard.governance import audit, decisions, gate, service, sessions, users
from oncoboard.governance.consent import ConsentIn
from oncoboard.governance.decisions import DecisionIn
from oncoboard.governance.gate import Access
from oncoboard.governance.http import (
    ActorDep,
    check_csrf,
    client_address,
    csrf_token,
    request_id,
)
from oncoboard.governance.login import login as login_with_backoff
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.store.db import unit_of_work

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after login."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    csrf_token(request)
    return templates.TemplateResponse(
        request, "login.html", {"next": _safe_next(next), "error": None}
    )


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(alias="csrf_token", max_length=128)] = "",
    next: Annotated[str, Form(max_length=512)] = "/",
) -> Response:
    """Check the password (with back-off), then start a server-side session."""
    engine = request.app.state.engine
    try:
        check_csrf(request, csrf)
        actor = login_with_backoff(
            engine,
            username=username,
            password=password,
            client=client_address(request),
            request_id=request_id(request),
        )
    except (NotAuthenticated, RateLimited) as error:
        status = 429 if isinstance(error, RateLimited) else 401
        context = {"next": _safe_next(next), "error": str(error)}
        response = templates.TemplateResponse(request, "login.html", context, status_code=status)
        response.headers.update(retry_headers(error))
        return response
    settings = request.app.state.settings
    with unit_of_work(engine) as session:
        sessions.purge_expired(session)
        session_id = sessions.start(
            session,
            user_id=users.user_id(session, actor.username),
            max_age_s=settings.session_max_age_s,
        )
    request.session.clear()  # a fresh cookie: nothing from before the login carries over
    request.session[sessions.SESSION_KEY] = session_id
    csrf_token(request)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """End this session on the server: a saved copy of the cookie no longer works."""
    session_id = request.session.get(sessions.SESSION_KEY)
    if session_id:
        sessions.end(session, str(session_id))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/patients/{patient_id}/consent", response_class=HTMLResponse)
def consent_page(
    request: Request, patient_id: str, actor: ActorDep, session: SessionDep
) -> HTMLResponse:
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.MANAGE_CONSENT,
        purpose=Purpose.TREATMENT,
        obj="consent",
        patient_id=patient_id,
    )
    overview = service.consent_overview(session, access=access)
    return templates.TemplateResponse(
        request, "consent.html", {"overview": overview, "is_patient": actor.is_patient_only}
    )


@router.post("/patients/{patient_id}/consent")
def consent_change(
    request: Request,
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    purpose: Annotated[Purpose, Form()],
    status: Annotated[str, Form(pattern="^(granted|withdrawn)$")],
    source: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.MANAGE_CONSENT,
        purpose=Purpose.TREATMENT,
        obj=f"consent {purpose.value}",
        patient_id=patient_id,
    )
    consent_in = ConsentIn(
        purpose=purpose,
        status=status,
        source=source.strip() or service.SELF_SERVICE,
    )
    service.change_consent(session, access=access, consent_in=consent_in)
    return RedirectResponse(f"/patients/{quote(patient_id, safe='')}/consent", status_code=303)


@router.get("/patients/{patient_id}/access-log", response_class=HTMLResponse)
def access_log_page(
    request: Request, patient_id: str, actor: ActorDep, session: SessionDep
) -> HTMLResponse:
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj="access log",
        patient_id=patient_id,
    )
    entries = service.access_log(session, access=access)
    return templates.TemplateResponse(
        request, "access_log.html", {"patient_id": patient_id, "entries": entries}
    )


@router.post("/recommendations/{recommendation_id}/decision")
def decision_form(
    request: Request,
    recommendation_id: str,
    actor: ActorDep,
    session: SessionDep,
    outcome: Annotated[str, Form(pattern="^(accept|modify|reject)$")],
    reason: Annotated[str, Form(max_length=4000)] = "",
    modification: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    access = decisions.authorize_decision(session, actor, recommendation_id)
    target = f"/patients/{quote(access.patient_id or '', safe='')}#recommendations"
    return decide_from_form(
        request,
        session,
        access=access,
        recommendation_id=recommendation_id,
        form=(outcome, reason, modification),
        target=target,
    )


def decide_from_form(
    request: Request,
    session: Session,
    *,
    access: Access,
    recommendation_id: str,
    form: tuple[str, str, str],
    target: str,
) -> Response:
    """Record a decision posted from a page (patient page or report); back to ``target``.

    A decision the contract refuses (no reason to modify or reject) is an error page that
    names what is missing; nothing is recorded.
    """
    outcome, reason, modification = form
    try:
        decision_in = DecisionIn(
            outcome=outcome,
            reason=reason.strip() or None,
            modification=modification.strip() or None,
        )
    except ValidationError as error:
        message = "; ".join(str(e.get("msg", "")) for e in error.errors())
        context = {"title": "Decision not recorded", "message": message, "back": target}
        return templates.TemplateResponse(request, "error.html", context, status_code=422)
    decisions.record_decision(
        session, access=access, recommendation_id=recommendation_id, decision_in=decision_in
    )
    return RedirectResponse(target, status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    gate.authorize(
        session,
        actor=actor,
        action=Action.READ_AUDIT,
        purpose=Purpose.OPERATIONS,
        obj="audit chain: verify",
    )
    report = audit.with_anchor(session.connection(), audit.verify(session.connection()))
    return templates.TemplateResponse(request, "audit.html", {"report": report})
