# SPDX-License-Identifier: Apache-2.0
"""Pages: propose a dose change from the patient page, and a drug's rule table (read-only).

The form posts to the same service as ``POST /api/v1/patients/{id}/dose-proposals``; the
proposal then appears on the patient page as a recommendation with the existing decision form.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from oncoboard.dosing import engine, service, views
from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import status_for
from oncoboard.edge.templates import templates
from oncoboard.errors import Conflict, InputError, NotFound, Problem
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.record import service as record_service

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=200)]


@router.post("/patients/{patient_id}/dose-proposals", response_class=HTMLResponse)
def propose_from_form(
    request: Request,
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    drug: Field = "",
    indication: Field = "",
    current_level: Field = "",
    ae: Field = "",
    grade: Field = "",
    grade_source: Field = "clinician",
) -> Response:
    """Propose a dose change from the patient page; a refused form names the fields to fix."""
    access = gate.authorize(
        session, actor=actor, action=Action.EDIT_RECORD, purpose=Purpose.TREATMENT,
        obj=f"dose proposal {drug}", patient_id=patient_id,
    )  # fmt: skip
    values = {
        "drug": drug, "indication": indication, "current_level": current_level, "ae": ae,
        "grade": grade, "grade_source": grade_source,
    }  # fmt: skip
    try:
        proposal_in = views.parse_form(values)
        # a refusal leaves nothing behind but the audit entry of the attempt
        with session.begin_nested():
            out = service.propose_dose_change(session, access=access, proposal_in=proposal_in)
    except (InputError, Conflict) as error:
        return _refused(request, session, access, actor, values, error)
    target = f"/patients/{quote(patient_id, safe='')}#rec-{out.recommendation_id}"
    return RedirectResponse(target, status_code=303)


def _refused(
    request: Request,
    session: Session,
    access: Access,
    actor: Actor,
    values: dict[str, str],
    error: InputError | Conflict,
) -> HTMLResponse:
    problems = list(error.problems) if isinstance(error, InputError) else []
    if isinstance(error, Conflict):
        problems = [Problem(source="dose proposal", locator="dose history", field="drug",
                            value=values["drug"], expected=str(error))]  # fmt: skip
    treatments = record_service.treatments(session=session, access=access)
    form = views.proposal_form(
        access.patient_id or "", treatments, actor=actor, values=values, problems=problems
    )
    context = {
        "patient_id": access.patient_id,
        "dose_form": form,
        "error": str(error.args[0]) if error.args else str(error),
        "labels": views.LABELS,
    }
    return templates.TemplateResponse(
        request, "dose_propose.html", context, status_code=status_for(error)
    )


@router.get("/dosing/rules", response_class=HTMLResponse)
def rule_tables(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    """The drugs that have a dose-modification table."""
    access = _view_rules(session, actor, "dose rule tables")
    tables = [service.rules(access=access, drug=drug) for drug in engine.DRUGS]
    return templates.TemplateResponse(request, "dose_rules.html", {"tables": tables, "table": None})


@router.get("/dosing/rules/{drug}", response_class=HTMLResponse)
def rule_table(request: Request, drug: str, actor: ActorDep, session: SessionDep) -> Response:
    """One drug's table: dose levels per indication, rows with their label citations."""
    access = _view_rules(session, actor, f"dose rule table {drug}")
    try:
        table = service.rules(access=access, drug=drug)
    except InputError as error:
        raise NotFound(str(error.args[0])) from None
    context = {"tables": [], "table": table}
    return templates.TemplateResponse(request, "dose_rules.html", context)


def _view_rules(session: Session, actor: Actor, obj: str) -> Access:
    return gate.authorize(
        session, actor=actor, action=Action.VIEW_RECORD, purpose=Purpose.TREATMENT, obj=obj
    )
