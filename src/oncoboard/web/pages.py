# SPDX-License-Identifier: Apache-2.0
"""Where each user starts: the patient list, the trial registry, a start page per role.

``/`` is every user's home: a patient's own phone page (``portal``), the patient list for the care
team, and for roles without a patient list (researcher, quality officer) a start page that lists
only the pages the permission matrix lets them open.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.templates import templates
from oncoboard.governance import gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose, Role, allowed_purposes
from oncoboard.portal import web as portal
from oncoboard.record import service
from oncoboard.trials import service as trials_service
from oncoboard.web import navigation
from oncoboard.web.guards import CareTeamOnly

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
TRIAL_PAGE_SIZE = 50


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def may_list_patients(actor: Actor) -> bool:
    return Purpose.TREATMENT in allowed_purposes(actor.roles, Action.VIEW_RECORD)


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Each user's home: a patient's own page, the care team's patient list, or a start page."""
    if actor.is_patient_only:
        return portal.home_page(request, actor, session)
    if set(actor.roles) == {Role.CELL_THERAPY_COORDINATOR}:  # their work is the case list
        return RedirectResponse("/celltherapy", status_code=303)
    if may_list_patients(actor):
        return patient_list(request, actor, session, q, page)
    pages = navigation.pages_for(actor)
    if not pages:  # an account without a role: refused and audited like any other page
        gate.authorize(
            session,
            actor=actor,
            action=Action.VIEW_RECORD,
            purpose=Purpose.TREATMENT,
            obj="home page (no role)",
        )
    context = {"pages": pages, "roles": navigation.roles_text(actor)}
    return templates.TemplateResponse(request, "start.html", context)


@router.get("/patients", response_class=HTMLResponse, dependencies=[CareTeamOnly])
def patient_list(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """The patient list: search by id or name, paged."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj="patient list",
    )
    items, total = service.list_patients(
        session=session,
        access=access,
        search=q or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    context = {
        "items": items,
        "total": total,
        "q": q or "",
        "page": page,
        "pages": _pages(total, PAGE_SIZE),
        "first": (page - 1) * PAGE_SIZE + 1,
        "action": request.url.path,
    }
    return templates.TemplateResponse(request, "patients.html", context)


@router.get("/trials", response_class=HTMLResponse, dependencies=[CareTeamOnly])
def trial_list(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """The trial registry: every imported trial, its status and how much of it is structured."""
    access = trials_service.authorize_read(session, actor, "trial list page")
    found = trials_service.list_trials(
        session=session,
        access=access,
        limit=TRIAL_PAGE_SIZE,
        offset=(page - 1) * TRIAL_PAGE_SIZE,
    )
    context = {
        "trials": found.items,
        "total": found.total,
        "page": page,
        "pages": _pages(found.total, TRIAL_PAGE_SIZE),
        "first": (page - 1) * TRIAL_PAGE_SIZE + 1,
        "can_match": may_list_patients(actor),
    }
    return templates.TemplateResponse(request, "trials.html", context)
