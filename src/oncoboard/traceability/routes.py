# SPDX-License-Identifier: Apache-2.0
"""HTTP routes: cases, scanned hand-overs (blocked ones answer 409 and stay recorded), alerts,
verification, batch-record export and label images."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import PROBLEM_JSON, problem_responses
from oncoboard.governance import gate
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.traceability import reads, service
from oncoboard.traceability.config import SiteConfig, load_config
from oncoboard.traceability.schemas import (
    AlertAckIn,
    AlertOut,
    CaseDetail,
    CaseIn,
    CaseSummary,
    CaseVerification,
    StepIn,
    StepOutcome,
)

router = APIRouter(tags=["celltherapy"])
STATUS = {"recorded": 201, "blocked": 409, "ready": 200, "incomplete": 200}


def site_config(request: Request) -> SiteConfig:
    return load_config(request.app.state.settings.celltherapy_config)


@router.post(
    "/patients/{patient_id}/celltherapy-cases",
    response_model=CaseSummary,
    status_code=201,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def open_case(
    request: Request, patient_id: str, case_in: CaseIn, actor: ActorDep, session: SessionDep
) -> CaseSummary:
    """Open the chain of identity of one patient's autologous product."""
    access = gate.authorize(session, actor=actor, action=Action.EDIT_RECORD,
                            purpose=Purpose.TREATMENT, obj="celltherapy: open case",
                            patient_id=patient_id)  # fmt: skip
    return service.open_case(session, access=access, case_in=case_in, config=site_config(request))


@router.get(
    "/celltherapy/cases", response_model=list[CaseSummary], responses=problem_responses(401, 403)
)
def list_cases(actor: ActorDep, session: SessionDep) -> list[CaseSummary]:
    """List chain-of-identity cases with their last hand-over and open alerts."""
    access = gate.authorize(session, actor=actor, action=Action.VIEW_RECORD,
                            purpose=Purpose.TREATMENT, obj="celltherapy cases")  # fmt: skip
    return reads.list_cases(session, access=access)


@router.get("/celltherapy/cases/{coi}", response_model=CaseDetail,
            responses=problem_responses(401, 403, 404, 422))  # fmt: skip
def case_detail(coi: str, actor: ActorDep, session: SessionDep) -> CaseDetail:
    """Get a case's timeline of hand-overs, alerts and batch-record verification."""
    access = service.authorize_case(session, actor, coi, Action.VIEW_RECORD, "timeline")
    return reads.case_detail(session, access=access, coi=coi)


@router.post(
    "/celltherapy/cases/{coi}/steps",
    response_model=StepOutcome,
    status_code=201,
    responses=problem_responses(401, 403, 404, 409, 422),
)  # fmt: skip
def record_step(coi: str, step_in: StepIn, actor: ActorDep, session: SessionDep) -> Response:
    """Scan-and-match a hand-over: 201 recorded, 409 blocked (recorded with its alert)."""
    access = service.authorize_case(session, actor, coi, Action.EDIT_RECORD, step_in.step.value)
    out = service.record_step(session, access=access, coi=coi, step_in=step_in)
    if out.outcome == "blocked":
        # RFC 9457 problem document; the outcome (checks, alert ids, the recorded entry) extends it
        problem = {"type": "about:blank", "title": "Hand-over blocked", "status": 409,
                   "detail": out.message, "outcome": out.model_dump(mode="json")}  # fmt: skip
        return JSONResponse(problem, status_code=409, media_type=PROBLEM_JSON)
    return JSONResponse(out.model_dump(mode="json"), status_code=STATUS[out.outcome])


@router.get(
    "/celltherapy/alerts", response_model=list[AlertOut], responses=problem_responses(401, 403, 422)
)
def list_alerts(
    actor: ActorDep,
    session: SessionDep,
    status: Annotated[Literal["open", "acknowledged", "all"], Query()] = "open",
) -> list[AlertOut]:
    """List chain-of-identity alerts for the coordinator."""
    access = gate.authorize(session, actor=actor, action=Action.VIEW_RECORD,
                            purpose=Purpose.TREATMENT, obj="celltherapy alerts")  # fmt: skip
    return reads.list_alerts(session, access=access, status=None if status == "all" else status)


@router.post("/celltherapy/alerts/{alert_id}/acknowledge", response_model=AlertOut,
             responses=problem_responses(401, 403, 404, 409, 422))  # fmt: skip
def acknowledge_alert(
    alert_id: str, ack: AlertAckIn, actor: ActorDep, session: SessionDep
) -> AlertOut:
    """Acknowledge an alert with what was done; the note joins the batch record."""
    number = int(alert_id) if alert_id.isdigit() and len(alert_id) < 10 else 0
    coi = reads.alert_case(session, number) or f"alert-{alert_id}"
    access = service.authorize_case(
        session, actor, coi, Action.EDIT_RECORD, f"acknowledge alert {alert_id}"
    )
    return reads.acknowledge_alert(session, access=access, alert_id=number, note=ack.note)


@router.get("/celltherapy/verify", response_model=list[CaseVerification],
            responses=problem_responses(401, 403, 404, 422))  # fmt: skip
def verify(actor: ActorDep, session: SessionDep, coi: str | None = None) -> list[CaseVerification]:
    """Check every batch record's hash chain and signatures (quality officer, admin)."""
    access = gate.authorize(session, actor=actor, action=Action.READ_AUDIT,
                            purpose=Purpose.OPERATIONS, obj="celltherapy batch records: verify")  # fmt: skip
    return reads.verify(session, access=access, coi=coi)
