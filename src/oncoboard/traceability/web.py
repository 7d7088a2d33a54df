# SPDX-License-Identifier: Apache-2.0
"""Coordinator pages: alerts and cases, a case's timeline, and a scan station that a
keyboard-wedge scanner types into (each scan ends with Enter, which submits the form: no
JavaScript). A mismatch is shown at once, recorded and alerted; a match offers to record the
hand-over (with the password for a signature)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import SecretStr, ValidationError
from sqlalchemy.orm import Session

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.templates import templates
from oncoboard.errors import AccessError, Conflict, InputError
from oncoboard.governance import audit, gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.traceability import engine, exports, labels, reads, service
from oncoboard.traceability.config import load_config
from oncoboard.traceability.schemas import STEP_LABELS, CaseIn, CustodyStep, StepIn, StepOutcome

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=400)]


@router.get("/celltherapy", response_class=HTMLResponse)
def coordinator_home(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    """The coordinator's landing page: open alerts first, then every case and its last step."""
    access = gate.authorize(session, actor=actor, action=Action.VIEW_RECORD,
                            purpose=Purpose.TREATMENT, obj="celltherapy: coordinator page")  # fmt: skip
    context = {
        "alerts": reads.list_alerts(session, access=access),
        "cases": reads.list_cases(session, access=access),
        "may_record": service.CUSTODY_ROLE in actor.roles,
        "error": None,
    }
    return templates.TemplateResponse(request, "celltherapy.html", context)


@router.post("/celltherapy/cases", response_class=HTMLResponse)
def open_case(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    patient_id: Annotated[str, Form(max_length=128)] = "",
    product: Text = "",
    coi: Text = "",
    issuing_fin: Text = "",
    wristband_id: Text = "",
) -> Response:
    """Open a chain of identity from the coordinator page."""
    access = gate.authorize(session, actor=actor, action=Action.EDIT_RECORD,
                            purpose=Purpose.TREATMENT, obj="celltherapy: open case",
                            patient_id=patient_id.strip() or None)  # fmt: skip
    try:
        case_in = CaseIn(product=product.strip(), coi=coi.strip() or None,
                         issuing_fin=issuing_fin.strip() or None,
                         wristband_id=wristband_id.strip() or None)  # fmt: skip
        with session.begin_nested():
            if access.patient_id is None:
                raise InputError("enter the patient id")
            out = service.open_case(session, access=access, case_in=case_in,
                                    config=load_config(request.app.state.settings.celltherapy_config))  # fmt: skip
    except (InputError, Conflict, ValidationError) as error:
        context = {"alerts": [], "cases": reads.list_cases(session, access=access),
                   "may_record": True, "error": _message(error)}  # fmt: skip
        return templates.TemplateResponse(request, "celltherapy.html", context, status_code=422)
    return RedirectResponse(f"/celltherapy/cases/{quote(out.coi, safe='')}", status_code=303)


@router.get("/celltherapy/cases/{coi}", response_class=HTMLResponse)
def case_page(
    request: Request,
    coi: str,
    actor: ActorDep,
    session: SessionDep,
    step: Annotated[str | None, Query(max_length=40)] = None,
    recorded: Annotated[int | None, Query()] = None,
) -> HTMLResponse:
    """A case's timeline of hand-overs and its scan station."""
    access = service.authorize_case(session, actor, coi, Action.VIEW_RECORD, "coordinator page")
    return _render(request, session, access, actor, step, recorded=recorded)


@router.post("/celltherapy/cases/{coi}/scan", response_class=HTMLResponse)
def scan(
    request: Request,
    coi: str,
    actor: ActorDep,
    session: SessionDep,
    step: Annotated[str, Form(max_length=40)],
    scans: Annotated[list[str] | None, Form(max_length=400)] = None,
    scan: Text = "",
    location: Text = "",
    temperature_min_c: Text = "",
    temperature_max_c: Text = "",
    operation: Text = "",
    batch_lot: Text = "",
    expires_at: Text = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    record: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """One scan (Enter) or the final "record": match, mismatch (recorded, alerted) or error."""
    access = service.authorize_case(session, actor, coi, Action.EDIT_RECORD, f"scan station {step}")
    so_far = [s for s in (scans or []) if s] + ([scan] if scan else [])
    fields = {"location": location, "temperature_min_c": temperature_min_c or None,
              "temperature_max_c": temperature_max_c or None, "operation": operation or None,
              "batch_lot": batch_lot or None, "expires_at": expires_at or None}  # fmt: skip
    try:
        step_in = StepIn.model_validate({"step": step, "scans": so_far or [""], **fields,
                                         "commit": bool(record),
                                         "password": SecretStr(password) if password else None})  # fmt: skip
        with session.begin_nested():
            out = service.record_step(session, access=access, coi=coi, step_in=step_in)
    except (InputError, ValidationError, Conflict) as error:
        return _render(request, session, access, actor, step, error=_message(error),
                       scans=[s for s in (scans or []) if s], fields=fields, status=422)  # fmt: skip
    except AccessError as error:
        if isinstance(error.audit_event, audit.AuditEvent):
            audit.append(session, error.audit_event)
        return _render(request, session, access, actor, step, error=str(error), scans=so_far,
                       fields=fields, status=403)  # fmt: skip
    if out.outcome == "recorded" and out.entry is not None:
        target = (
            f"/celltherapy/cases/{quote(coi, safe='')}?{urlencode({'recorded': out.entry.seq})}"
        )
        return RedirectResponse(target, status_code=303)
    kept = so_far if out.outcome in ("incomplete", "ready") else []
    return _render(request, session, access, actor, step, outcome=out, scans=kept, fields=fields,
                   status=409 if out.outcome == "blocked" else 200)  # fmt: skip


@router.post("/celltherapy/alerts/{alert_id}/acknowledge")
def acknowledge(
    alert_id: str,
    actor: ActorDep,
    session: SessionDep,
    note: Annotated[str, Form(min_length=3, max_length=2000)],
    back: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Acknowledge an alert with what was done (the note joins the batch record)."""
    number = int(alert_id) if alert_id.isdigit() and len(alert_id) < 10 else 0
    coi = reads.alert_case(session, number) or f"alert-{alert_id}"
    access = service.authorize_case(
        session, actor, coi, Action.EDIT_RECORD, f"acknowledge alert {alert_id}"
    )
    reads.acknowledge_alert(session, access=access, alert_id=number, note=note)
    target = f"/celltherapy/cases/{quote(coi, safe='')}" if back == "case" else "/celltherapy"
    return RedirectResponse(target, status_code=303)


def _render(
    request: Request,
    session: Session,
    access: gate.Access,
    actor: Actor,
    step: str | None,
    *,
    outcome: StepOutcome | None = None,
    error: str | None = None,
    scans: list[str] | None = None,
    fields: dict[str, str | None] | None = None,
    recorded: int | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = reads.case_detail(session, access=access, coi=_coi(request))
    chosen = _step(step, view.next_steps)
    context = {
        "case": view,
        "step": chosen,
        "step_label": STEP_LABELS[chosen] if chosen else None,
        "steps": [(s, STEP_LABELS[CustodyStep(s)]) for s in view.next_steps],
        "needs": engine.REQUIRED[chosen] if chosen else (),
        "signs": chosen in engine.SIGNED_STEPS if chosen else False,
        "meaning": engine.SIGNATURE_MEANINGS.get(chosen) if chosen else None,
        "outcome": outcome,
        "error": error,
        "scans": scans or [],
        "fields": fields or {},
        "recorded": next((e for e in view.entries if e.seq == recorded), None),
        "may_record": service.CUSTODY_ROLE in actor.roles,
        "last_location": next((e.location for e in reversed(view.entries) if e.location), ""),
    }
    return templates.TemplateResponse(request, "celltherapy_case.html", context, status_code=status)


def _coi(request: Request) -> str:
    return str(request.path_params["coi"])


def _step(step: str | None, allowed: list[str]) -> CustodyStep | None:
    if step in {s.value for s in CustodyStep}:
        return CustodyStep(step)
    return CustodyStep(allowed[0]) if allowed else None


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
    return str(error.args[0]) if error.args else str(error)


@router.get("/celltherapy/cases/{coi}/export")
def export(
    coi: str, actor: ActorDep, session: SessionDep, format: Literal["json", "pdf"] = "json"
) -> Response:
    """Download the batch record with hashes, signatures and public keys (JSON) or as PDF."""
    access = service.authorize_case(
        session, actor, coi, Action.EXPORT, f"export batch record ({format})"
    )
    data = exports.record_json(session, access=access, coi=coi)
    name = f"{coi}.oncoboard.celltherapy-record.{format}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "pdf":
        return Response(exports.pdf_bytes(data), media_type="application/pdf", headers=disposition)
    return Response(exports.json_bytes(data), media_type="application/json", headers=disposition)


@router.get("/celltherapy/cases/{coi}/labels/{which}.png")
def label_image(coi: str, which: str, actor: ActorDep, session: SessionDep) -> Response:
    """Render one of the case's labels (coi, collection, final) as a Code 128 or GS1 DataMatrix PNG."""
    access = service.authorize_case(session, actor, coi, Action.VIEW_RECORD, f"label {which}")
    detail = reads.case_detail(session, access=access, coi=coi)
    return Response(labels.label_png(detail, which), media_type="image/png")
