# SPDX-License-Identifier: Apache-2.0
"""Pages of learned models: the registry with the alert queue, one version's card with the
quality officer's promotion, the drift page, and adding a patient's prediction for review.

Same services and gate as the API; every plot has its data as a table beside it."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.templates import templates
from oncoboard.errors import InputError
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose, allowed_purposes
from oncoboard.prediction import card, drift_service, pccp, plots, service, serving
from oncoboard.prediction.routes import MAX_CSV_BYTES
from oncoboard.prediction.schemas import (
    ChangeControlPlan,
    DriftReportOut,
    ModelStatus,
    PromoteIn,
)

router = APIRouter(include_in_schema=False)


def _ops(session: Session, actor: Actor, action: Action, obj: str) -> Access:
    return gate.authorize(session, actor=actor, action=action, purpose=Purpose.OPERATIONS, obj=obj)


def _may(actor: Actor, action: Action) -> bool:
    return Purpose.OPERATIONS in allowed_purposes(actor.roles, action)


def _model_url(model_id: str, tail: str = "") -> str:
    return f"/models/{quote(model_id, safe='@')}{tail}"


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    """The registry: every version with status and hold-out C; the open alert queue."""
    access = _ops(session, actor, Action.REVIEW_MODELS, "model registry page")
    context = {
        "models": service.list_models(session, access=access),
        "alerts": drift_service.alerts(session, access=access, status="open"),
        "can_acknowledge": _may(actor, Action.PROMOTE_MODELS),
        "can_train": _may(actor, Action.TRAIN_MODELS),
        "specs": pccp.bundled_spec_names(),
    }
    return templates.TemplateResponse(request, "models.html", context)


@router.post("/models/train")
def train_form(
    actor: ActorDep, session: SessionDep, spec: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """Train and validate a candidate from a bundled spec (researcher, quality officer, admin);
    it waits for a quality officer who did not train it. Takes seconds (CV and bootstraps)."""
    access = _ops(session, actor, Action.TRAIN_MODELS, f"model train {spec}")
    trained = service.train_model(session, access=access, spec=pccp.bundled_spec(spec.strip()))
    return RedirectResponse(_model_url(trained.id), status_code=303)


@router.get("/models/{model_id}", response_class=HTMLResponse)
def model_page(
    request: Request, model_id: str, actor: ActorDep, session: SessionDep
) -> HTMLResponse:
    """One version: its model card, plan check, history, and the promotion form."""
    access = _ops(session, actor, Action.REVIEW_MODELS, f"model card page {model_id}")
    data = service.card(session, access=access, model_id=model_id)
    summary = service.summary(service.get_row(session, model_id))
    context = {
        "model": summary,
        "card_body": card.card_html(data, standalone=False),
        "failed": [c for c in summary.plan_check if not c.passed],
        "can_promote": _may(actor, Action.PROMOTE_MODELS)
        and summary.status == ModelStatus.CANDIDATE,
        "min_reason": PromoteIn.model_fields["reason"].metadata[0].min_length,
    }
    return templates.TemplateResponse(request, "model_page.html", context)


@router.post("/models/{model_id}/promote")
def promote_form(
    model_id: str,
    actor: ActorDep,
    session: SessionDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Release a candidate from its page (quality officer only; refused outside the plan)."""
    access = _ops(session, actor, Action.PROMOTE_MODELS, f"model {model_id}")
    try:
        body = PromoteIn(reason=reason.strip())
    except ValidationError as error:
        raise InputError(
            f"promotion of {model_id}: give the reason for the release (at least 10 "
            f"characters; {len(reason.strip())} given): {error.errors()[0]['msg']}"
        ) from error
    service.promote(session, access=access, model_id=model_id, reason=body.reason)
    return RedirectResponse(_model_url(model_id, "#promotion"), status_code=303)


def _drift_context(
    report: DriftReportOut | None, plan: ChangeControlPlan, floor: float
) -> dict[str, Any]:
    if report is None:
        return {"report": None}
    psi_plot = plots.bar_plot(
        [f.feature for f in report.features],
        [f.psi for f in report.features],
        lines=[(plan.drift.psi_warn, "warn"), (plan.drift.psi_alert, "alert")],
        title="Population stability index per feature",
        xlabel="PSI against the development data",
        prefix="drift-psi",
    )
    window_plot = (
        plots.window_plot(
            [str(w["window"]) for w in report.performance],
            [_triple(w.get("harrell_c")) for w in report.performance],
            floor=floor,
            prefix="drift-c",
        )
        if report.performance
        else ""
    )
    return {"report": report, "psi_plot": psi_plot, "window_plot": window_plot}


def _triple(c: dict[str, float] | None) -> tuple[float, float, float] | None:
    return None if c is None else (c["value"], c["low"], c["high"])


@router.get("/models/{model_id}/drift", response_class=HTMLResponse)
def drift_page(
    request: Request, model_id: str, actor: ActorDep, session: SessionDep
) -> HTMLResponse:
    """The latest drift report of a version with its plots and tables, and the upload form."""
    access = _ops(session, actor, Action.REVIEW_MODELS, f"model drift page {model_id}")
    row = service.get_row(session, model_id)
    report = drift_service.latest_drift(session, access=access, model_id=model_id)
    plan = pccp.plan_for(row.plan_id)
    floor = drift_service.performance_floor(row.validation, plan.drift)
    context = {
        "model": service.summary(row),
        "plan": plan,
        "floor": floor,
        "features": list(service.load(row).model.features),
        "can_upload": _may(actor, Action.TRAIN_MODELS),
        "max_bytes": MAX_CSV_BYTES,
    } | _drift_context(report, plan, floor)
    return templates.TemplateResponse(request, "model_drift.html", context)


@router.post("/models/{model_id}/drift")
def drift_upload(
    model_id: str,
    actor: ActorDep,
    session: SessionDep,
    file: Annotated[UploadFile | None, Form()] = None,
) -> Response:
    """Check drift on an uploaded CSV; alerts go to the quality officer's queue."""
    access = _ops(session, actor, Action.TRAIN_MODELS, f"model drift {model_id}")
    if file is None or not file.filename:
        raise InputError("choose a CSV file with the model's feature columns")
    data = file.file.read(MAX_CSV_BYTES + 1)
    if not data or len(data) > MAX_CSV_BYTES:
        raise InputError(
            f"{file.filename}: {len(data):,} bytes; expected a CSV of 1 to {MAX_CSV_BYTES:,} bytes"
        )
    drift_service.check_drift(
        session, access=access, model_id=model_id, data=data, source=file.filename
    )
    return RedirectResponse(_model_url(model_id, "/drift"), status_code=303)


@router.post("/models/alerts/{alert_id}/acknowledge")
def acknowledge_form(alert_id: str, actor: ActorDep, session: SessionDep) -> Response:
    """Acknowledge a model alert from the queue (quality officer only)."""
    access = _ops(session, actor, Action.PROMOTE_MODELS, f"model alert {alert_id}")
    drift_service.acknowledge(session, access=access, alert_id=drift_service.alert_number(alert_id))
    return RedirectResponse("/models#alerts", status_code=303)


@router.post("/patients/{patient_id}/prediction")
def propose_form(patient_id: str, actor: ActorDep, session: SessionDep) -> Response:
    """Add the released model's prediction to the record as a proposed recommendation."""
    access = serving.authorize(session, actor=actor, patient_id=patient_id, propose=True)
    answer = serving.patient_prediction(session, access=access)
    target = f"/patients/{quote(patient_id, safe='')}#rec-{answer.stored_recommendation_id}"
    return RedirectResponse(target, status_code=303)
