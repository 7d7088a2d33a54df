# SPDX-License-Identifier: Apache-2.0
"""HTTP routes of learned models: the registry, cards, evaluation, promotion, drift, alerts and a
patient's prediction. Thin: every route asks the gate, the services do the work."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import problem_responses
from oncoboard.errors import InputError, NotFound
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.prediction import card, drift_service, pccp, service, serving
from oncoboard.prediction.schemas import (
    AlertOut,
    DriftReportOut,
    EvaluationOut,
    ModelCard,
    ModelSummary,
    Name,
    PatientPredictionOut,
    PromoteIn,
    TrainingSpec,
)

router = APIRouter(tags=["learned models"])
CsvBody = Annotated[
    bytes | None,
    Body(
        media_type="text/csv",
        description="CSV with the model's feature columns (and time_years, event, window)",
    ),
]
MAX_CSV_BYTES = 20 * 1024 * 1024


class TrainIn(BaseModel):
    """A bundled spec by name, or a whole training spec."""

    model_config = ConfigDict(extra="forbid")
    spec: Name | TrainingSpec


def _ops(session: Session, actor: Actor, action: Action, obj: str) -> Access:
    return gate.authorize(session, actor=actor, action=action, purpose=Purpose.OPERATIONS, obj=obj)


def _csv(data: bytes | None, required: bool) -> bytes | None:
    if not data:
        if required:
            raise InputError("send the data as a CSV request body (Content-Type: text/csv)")
        return None
    if len(data) > MAX_CSV_BYTES:
        raise InputError(f"CSV body of {len(data):,} bytes: expected at most {MAX_CSV_BYTES:,}")
    return data


@router.get("/models", response_model=list[ModelSummary], responses=problem_responses(401, 403))
def list_models(actor: ActorDep, session: SessionDep) -> list[ModelSummary]:
    """List every model version with its status, hold-out C and plan check."""
    access = _ops(session, actor, Action.REVIEW_MODELS, "model registry")
    return service.list_models(session, access=access)


@router.post(
    "/models",
    response_model=ModelSummary,
    status_code=201,
    responses=problem_responses(401, 403, 404, 422),
)
def train(body: TrainIn, actor: ActorDep, session: SessionDep) -> ModelSummary:
    """Train and validate a candidate version from a spec (never released by training)."""
    name = body.spec if isinstance(body.spec, str) else body.spec.name
    access = _ops(session, actor, Action.TRAIN_MODELS, f"model train {name}")
    spec = pccp.bundled_spec(body.spec) if isinstance(body.spec, str) else body.spec
    return service.train_model(session, access=access, spec=spec)


@router.get(
    "/models/alerts", response_model=list[AlertOut], responses=problem_responses(401, 403, 422)
)
def list_alerts(
    actor: ActorDep,
    session: SessionDep,
    status: Literal["open", "acknowledged", "all"] = "open",
) -> list[AlertOut]:
    """List drift and performance alerts in the quality officer's queue."""
    access = _ops(session, actor, Action.REVIEW_MODELS, "model alerts")
    return drift_service.alerts(session, access=access, status=None if status == "all" else status)


@router.post(
    "/models/alerts/{alert_id}/acknowledge",
    response_model=AlertOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def acknowledge_alert(alert_id: str, actor: ActorDep, session: SessionDep) -> AlertOut:
    """Acknowledge a model alert (quality officer only)."""
    access = _ops(session, actor, Action.PROMOTE_MODELS, f"model alert {alert_id}")
    return drift_service.acknowledge(
        session, access=access, alert_id=drift_service.alert_number(alert_id)
    )


@router.get(
    "/models/{model_id}",
    response_model=ModelSummary,
    responses=problem_responses(401, 403, 404, 422),
)
def get_model(model_id: str, actor: ActorDep, session: SessionDep) -> ModelSummary:
    """Get one model version's registry entry."""
    _ops(session, actor, Action.REVIEW_MODELS, f"model {model_id}")
    return service.summary(service.get_row(session, model_id))


@router.get(
    "/models/{model_id}/card",
    responses={
        200: {
            "model": ModelCard,
            "description": "The model card (Mitchell et al. 2019 sections): JSON, HTML or PDF.",
            "content": {"text/html": {}, "application/pdf": {}},
        },
        **problem_responses(401, 403, 404, 422),
    },
)
def model_card(
    model_id: str,
    actor: ActorDep,
    session: SessionDep,
    format: Literal["json", "html", "pdf"] = "json",
) -> Response:
    """Get the model card as JSON, HTML (plots inline, with data tables) or PDF."""
    access = _ops(session, actor, Action.REVIEW_MODELS, f"model card {model_id} ({format})")
    data = service.card(session, access=access, model_id=model_id)
    if format == "json":
        text = ModelCard.model_validate(data).model_dump_json(indent=2)
        return Response(text, media_type="application/json")
    html = card.card_html(data)
    if format == "html":
        return HTMLResponse(html)
    name = f"{model_id.replace('@', '-v')}.model-card.pdf"
    return Response(
        card.card_pdf(html),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "/models/{model_id}/evaluate",
    response_model=EvaluationOut,
    responses=problem_responses(401, 403, 404, 422),
)
def evaluate(
    model_id: str, actor: ActorDep, session: SessionDep, data: CsvBody = None
) -> EvaluationOut:
    """Measure a version on labelled CSV data (body), or report its stored hold-out (no body)."""
    access = _ops(session, actor, Action.TRAIN_MODELS, f"model evaluate {model_id}")
    payload = _csv(data, required=False)
    return service.evaluate(
        session,
        access=access,
        model_id=model_id,
        data=payload,
        source="request body" if payload else "hold-out",
    )


@router.post(
    "/models/{model_id}/promote",
    response_model=ModelSummary,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def promote(model_id: str, body: PromoteIn, actor: ActorDep, session: SessionDep) -> ModelSummary:
    """Release a validated candidate (quality officer only; refused outside its plan).

    A refusal names every failed clause of the change-control plan and is audited."""
    access = _ops(session, actor, Action.PROMOTE_MODELS, f"model {model_id}")
    return service.promote(session, access=access, model_id=model_id, reason=body.reason)


@router.post(
    "/models/{model_id}/drift",
    response_model=DriftReportOut,
    status_code=201,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def check_drift(
    model_id: str, actor: ActorDep, session: SessionDep, data: CsvBody = None
) -> DriftReportOut:
    """Check feature drift (PSI, KS) and windowed performance on CSV data.

    Alerts beyond the plan's thresholds go to the quality officer's queue."""
    access = _ops(session, actor, Action.TRAIN_MODELS, f"model drift {model_id}")
    payload = _csv(data, required=True)
    assert payload is not None
    return drift_service.check_drift(
        session, access=access, model_id=model_id, data=payload, source="request body"
    )


@router.get(
    "/models/{model_id}/drift",
    response_model=DriftReportOut,
    responses=problem_responses(401, 403, 404, 422),
)
def latest_drift(model_id: str, actor: ActorDep, session: SessionDep) -> DriftReportOut:
    """Get the latest drift report of a version."""
    access = _ops(session, actor, Action.REVIEW_MODELS, f"model drift {model_id}")
    service.get_row(session, model_id)
    report = drift_service.latest_drift(session, access=access, model_id=model_id)
    if report is None:
        raise NotFound(f"model {model_id}: no drift report yet")
    return report


@router.get(
    "/patients/{patient_id}/prediction",
    response_model=PatientPredictionOut,
    responses=problem_responses(401, 403, 404, 422),
)
def patient_prediction(
    patient_id: str, actor: ActorDep, session: SessionDep
) -> PatientPredictionOut:
    """Get the released model's prediction for a patient, or why there is none.

    The estimate comes with its interval, explanation and limitations; nothing is stored."""
    access = serving.authorize(session, actor=actor, patient_id=patient_id)
    return serving.patient_prediction(session, access=access)


@router.post(
    "/patients/{patient_id}/prediction",
    response_model=PatientPredictionOut,
    status_code=201,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def propose_prediction(
    patient_id: str, actor: ActorDep, session: SessionDep
) -> PatientPredictionOut:
    """Add the released model's prediction to the record as a proposed recommendation.

    A clinician then accepts, modifies or rejects it; nothing is applied."""
    access = serving.authorize(session, actor=actor, patient_id=patient_id, propose=True)
    return serving.patient_prediction(session, access=access)
