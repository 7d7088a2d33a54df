# SPDX-License-Identifier: Apache-2.0
"""Pages: a patient's Trials tab (ranked, every criterion coloured by state) and a trial page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.templates import templates
from oncoboard.governance import decisions, gate
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose, allowed_purposes
from oncoboard.governance.web import decide_from_form
from oncoboard.trials import service

router = APIRouter(include_in_schema=False)


@router.get("/patients/{patient_id}/trials", response_class=HTMLResponse)
def trials_tab(
    request: Request, patient_id: str, actor: ActorDep, session: SessionDep
) -> HTMLResponse:
    """The patient's trials, ranked; trial recommendations with the coordinator's decision."""
    access = gate.authorize(
        session, actor=actor, action=Action.VIEW_RECORD, purpose=Purpose.TREATMENT,
        obj="trials tab", patient_id=patient_id,
    )  # fmt: skip
    result = service.match_patient(session=session, access=access)
    reviewed = [
        r
        for r in decisions.list_for_patient(session, access=access)
        if r.recommendation.kind.value == "trial"
    ]
    context = {
        "patient_id": patient_id,
        "matches": result.matches,
        "recommendations": reviewed,
        "can_decide": bool(allowed_purposes(actor.roles, Action.DECIDE)),
        "can_propose": bool(allowed_purposes(actor.roles, Action.EDIT_RECORD)),
    }
    return templates.TemplateResponse(request, "trials_patient.html", context)


@router.post("/patients/{patient_id}/trials/propose")
def propose(request: Request, patient_id: str, actor: ActorDep, session: SessionDep) -> Response:
    """Store the trials not excluded as recommendations for the coordinator."""
    access = gate.authorize(
        session, actor=actor, action=Action.VIEW_RECORD, purpose=Purpose.TREATMENT,
        obj="trial matching", patient_id=patient_id,
    )  # fmt: skip
    edit = gate.authorize(
        session, actor=actor, action=Action.EDIT_RECORD, purpose=Purpose.TREATMENT,
        obj="trial recommendations", patient_id=patient_id,
    )  # fmt: skip
    service.match_patient(session=session, access=access, propose_with=edit)
    return RedirectResponse(f"/patients/{quote(patient_id, safe='')}/trials", status_code=303)


@router.post("/patients/{patient_id}/trials/{nct_id}/criteria/{criterion_id}/decision")
def criterion_decision(
    request: Request,
    patient_id: str,
    nct_id: str,
    criterion_id: str,
    actor: ActorDep,
    session: SessionDep,
    state: Annotated[str, Form(pattern="^(met|not_met|reader)$")],
    reason: Annotated[str, Form(min_length=1, max_length=4000)],
) -> Response:
    """A clinician decides one criterion for the patient (override of the reader), with reason."""
    access = gate.authorize(
        session, actor=actor, action=Action.VIEW_RECORD, purpose=Purpose.TREATMENT,
        obj="trial criterion decision", patient_id=patient_id,
    )  # fmt: skip
    decide = gate.authorize(
        session, actor=actor, action=Action.DECIDE, purpose=Purpose.TREATMENT,
        obj=f"trial criterion {nct_id} {criterion_id}"[:256], patient_id=patient_id,
    )  # fmt: skip
    service.override_criterion(
        session=session, access=access, decide=decide, nct_id=nct_id,
        criterion_id=criterion_id, state=state, reason=reason,
    )  # fmt: skip
    target = f"/patients/{quote(patient_id, safe='')}/trials#trial-{quote(nct_id, safe='')}"
    return RedirectResponse(target, status_code=303)


@router.post("/trial-recommendations/{recommendation_id}/decision")
def trial_decision(
    request: Request,
    recommendation_id: str,
    actor: ActorDep,
    session: SessionDep,
    outcome: Annotated[str, Form(pattern="^(screened|referred|not_suitable)$")],
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """A coordinator marks a trial recommendation screened, referred or not suitable."""
    access = decisions.authorize_decision(session, actor, recommendation_id)
    target = f"/patients/{quote(access.patient_id or '', safe='')}/trials#rec-{recommendation_id}"
    return decide_from_form(
        request, session, access=access, recommendation_id=recommendation_id,
        form=(outcome, reason, ""), target=target,
    )  # fmt: skip


@router.get("/trials/{nct_id}", response_class=HTMLResponse)
def trial_page(request: Request, nct_id: str, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    """One trial: its structured criteria next to the registry's source text."""
    access = service.authorize_read(session, actor, f"trial page {nct_id}")
    detail = service.get_trial(session=session, access=access, nct_id=nct_id)
    return templates.TemplateResponse(request, "trial.html", {"detail": detail})
