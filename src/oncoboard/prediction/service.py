# SPDX-License-Identifier: Apache-2.0
"""The model registry through the gate: train, list, evaluate, promote, drift, alerts.

Keyword-only, explicit session, never commits. Promotion is the quality officer's governance
action: refused (and audited) when the candidate is outside its change-control plan.

numpy, pandas and the training and validation code load in the functions that compute, so
``oncoboard models list`` reads the registry without them (docs/benchmarks.md, CLI start-up).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncoboard.errors import Conflict, InputError, NotFound
from oncoboard.governance import audit, gate
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Action
from oncoboard.prediction import pccp
from oncoboard.prediction.models import (
    ModelEventRow,
    ModelVersionRow,
)
from oncoboard.prediction.schemas import (
    ClauseResult,
    CohortMetrics,
    Estimate,
    EvaluationOut,
    ModelStatus,
    ModelSummary,
    TrainingSpec,
)

if TYPE_CHECKING:
    import numpy as np

    from oncoboard.prediction import training
    from oncoboard.prediction.engine import LoadedModel


class PromotionRefused(Conflict):
    """A promotion the plan forbids; the refusal itself is audited after the rollback."""

    def __init__(self, message: str, *, audit_event: object | None = None) -> None:
        super().__init__(message)
        self.audit_event = audit_event


def _plan_sha256(plan_id: str) -> str:
    return hashlib.sha256(pccp.plan_for(plan_id).model_dump_json().encode()).hexdigest()


def _released(session: Session, name: str) -> ModelVersionRow | None:
    return session.scalar(
        select(ModelVersionRow).where(
            ModelVersionRow.name == name, ModelVersionRow.status == ModelStatus.RELEASED.value
        )
    )


def event(session: Session, model_id: str, actor: str, event: str, detail: str) -> None:
    session.add(ModelEventRow(model_id=model_id, actor=actor, event=event, detail=detail))


def train_model(session: Session, *, access: Access, spec: TrainingSpec) -> ModelSummary:
    """Train and validate a candidate version and check it against its plan (never released)."""
    from oncoboard.prediction import datasets, training

    gate.require(access, Action.TRAIN_MODELS, patient_scoped=False)
    plan = pccp.plan_for(spec.plan)
    cohort = datasets.load(spec.dataset)
    external = datasets.load(spec.external_validation) if spec.external_validation else None
    key = (spec.model_dump_json(), cohort.sha256, plan.model_dump_json())
    trained = _TRAINED.get(key) or training.train(
        spec, cohort, external, acceptance=plan.acceptance
    )
    _TRAINED[key] = trained
    released = _released(session, spec.name)
    checks = pccp.check(plan, spec, trained.validation, released.validation if released else None)
    outside = pccp.violations(checks)
    version = (
        session.scalar(
            select(func.max(ModelVersionRow.version)).where(ModelVersionRow.name == spec.name)
        )
        or 0
    ) + 1
    text = training.canonical_json(trained.artefact)
    row = ModelVersionRow(
        id=f"{spec.name}@{version}",
        name=spec.name,
        version=version,
        kind=spec.kind,
        title=spec.title,
        plan_id=plan.id,
        plan_sha256=_plan_sha256(plan.id),
        status=(ModelStatus.OUTSIDE_PLAN if outside else ModelStatus.CANDIDATE).value,
        artefact=text,
        artefact_sha256=training.artefact_sha256(text),
        data_sha256=cohort.sha256,
        code_version=trained.artefact["code_version"],
        validation=trained.validation.model_dump(mode="json"),
        plan_check=[c.model_dump() for c in checks],
        created_by=access.actor.username,
    )
    session.add(row)
    session.flush()
    detail = (
        "outside plan: " + "; ".join(f"{c.clause} ({c.detail})" for c in outside)
        if outside
        else f"validated against plan {plan.id} v{plan.version}: every clause passed"
    )
    event(session, row.id, access.actor.username, "trained", detail)
    session.flush()
    return summary(row)


# training is deterministic for (spec, data, plan): a process trains each combination once
_TRAINED: dict[tuple[str, str, str], training.Trained] = {}


def summary(row: ModelVersionRow) -> ModelSummary:
    return ModelSummary(
        id=row.id,
        name=row.name,
        version=row.version,
        kind=row.kind,
        title=row.title,
        status=ModelStatus(row.status),
        plan=row.plan_id,
        artefact_sha256=row.artefact_sha256,
        data_sha256=row.data_sha256,
        code_version=row.code_version,
        created_at=row.created_at,
        created_by=row.created_by,
        holdout_c=Estimate.model_validate(row.validation["holdout"]["harrell_c"]),  # type: ignore[index]
        plan_check=[ClauseResult.model_validate(c) for c in row.plan_check],
        promoted_by=row.promoted_by,
        promoted_at=row.promoted_at,
    )


def list_models(session: Session, *, access: Access) -> list[ModelSummary]:
    gate.require(access, Action.REVIEW_MODELS, patient_scoped=False)
    rows = session.scalars(
        select(ModelVersionRow).order_by(ModelVersionRow.name, ModelVersionRow.version)
    )
    return [summary(r) for r in rows]


def get_row(session: Session, model_id: str) -> ModelVersionRow:
    row = session.get(ModelVersionRow, model_id)
    if row is None:
        known = session.scalars(select(ModelVersionRow.id).limit(20)).all()
        raise NotFound(f"model {model_id!r} not found (known: {', '.join(known) or 'none'})")
    return row


def load(row: ModelVersionRow) -> LoadedModel:
    """Parse a stored artefact after checking its hash: a changed artefact is never used."""
    from oncoboard.prediction import training
    from oncoboard.prediction.engine import LoadedModel

    hit = _LOADED.get((row.id, row.artefact_sha256))
    if hit is not None:  # verified when it was parsed; a later change in the table is not used
        return hit
    actual = training.artefact_sha256(row.artefact)
    if actual != row.artefact_sha256:
        raise Conflict(
            f"model {row.id}: artefact hash {actual[:12]} does not match the registered "
            f"{row.artefact_sha256[:12]}; refusing to use a modified model"
        )
    loaded = LoadedModel.from_text(row.id, row.name, row.version, actual, row.artefact)
    if len(_LOADED) >= 8:
        _LOADED.clear()
    _LOADED[(row.id, actual)] = loaded
    return loaded


_LOADED: dict[tuple[str, str], LoadedModel] = {}


def released_model(session: Session) -> LoadedModel | None:
    """The released version that serves predictions (Cox preferred: linear and exact), parsed
    once per process: later calls read only its id and hash."""
    head = session.execute(
        select(ModelVersionRow.id, ModelVersionRow.artefact_sha256)
        .where(ModelVersionRow.status == ModelStatus.RELEASED.value)
        .order_by(ModelVersionRow.kind.desc(), ModelVersionRow.name)
        .limit(1)
    ).first()
    if head is None:
        return None
    hit = _LOADED.get((head.id, head.artefact_sha256))
    return hit if hit is not None else load(get_row(session, head.id))


def events(session: Session, *, access: Access, name: str) -> list[ModelEventRow]:
    gate.require(access, Action.REVIEW_MODELS, patient_scoped=False)
    return list(
        session.scalars(
            select(ModelEventRow)
            .join(ModelVersionRow, ModelVersionRow.id == ModelEventRow.model_id)
            .where(ModelVersionRow.name == name)
            .order_by(ModelEventRow.id)
        )
    )


def promote(session: Session, *, access: Access, model_id: str, reason: str) -> ModelSummary:
    """Release a candidate (quality officer only); the previous release is retired."""
    gate.require(access, Action.PROMOTE_MODELS, patient_scoped=False)
    row = get_row(session, model_id)
    refusal = _refusal(session, row, promoter=access.actor.username)
    if refusal:
        refused = audit.AuditEvent(
            actor=access.actor.username,
            roles=access.actor.roles_text,
            action=Action.PROMOTE_MODELS.value,
            purpose=access.purpose.value,
            object=f"model {model_id}",
            outcome="refused",
            reason=refusal[:2000],
            request_id=access.actor.request_id,
        )
        raise PromotionRefused(f"promotion of {model_id} refused: {refusal}", audit_event=refused)
    previous = _released(session, row.name)
    now = datetime.now(UTC)
    if previous is not None:
        previous.status = ModelStatus.RETIRED.value
        event(session, previous.id, access.actor.username, "retired", f"replaced by {row.id}")
    row.status = ModelStatus.RELEASED.value
    row.promoted_by, row.promoted_at = access.actor.username, now
    event(session, row.id, access.actor.username, "promoted", reason)
    # the release is in the tamper-evident audit chain too, with the artefact's hash: a model
    # swapped in the registry table later does not match what the quality officer released
    replaced = f"; replaces {previous.id}" if previous is not None else ""
    audit.append(
        session,
        audit.AuditEvent(
            actor=access.actor.username,
            roles=access.actor.roles_text,
            action="release_model",
            purpose=access.purpose.value,
            object=f"model {row.id} sha256 {row.artefact_sha256}{replaced}",
            outcome="allowed",
            reason=reason[:2000],
            request_id=access.actor.request_id,
        ),
    )
    session.flush()
    return summary(row)


def _refusal(session: Session, row: ModelVersionRow, *, promoter: str) -> str | None:
    if row.status == ModelStatus.RELEASED.value:
        return "it is already the released version"
    if row.status == ModelStatus.RETIRED.value:
        return "it was retired; train a new candidate"
    if row.created_by == promoter:
        return (
            f"{promoter} trained this candidate; a second person must release it "
            "(separation of duties)"
        )
    if row.plan_sha256 != _plan_sha256(row.plan_id):
        return f"plan {row.plan_id} changed since this candidate was validated; retrain it"
    released = _released(session, row.name)
    spec = TrainingSpec.model_validate(load(row).artefact["spec"])
    from oncoboard.prediction.schemas import ValidationReport

    checks = pccp.check(
        pccp.plan_for(row.plan_id),
        spec,
        ValidationReport.model_validate(row.validation),
        released.validation if released else None,
    )
    failed = pccp.violations(checks)
    if failed:
        return f"outside change-control plan {row.plan_id}: " + "; ".join(
            f"clause {c.clause}: {c.detail}" for c in failed
        )
    return None


def evaluate(
    session: Session, *, access: Access, model_id: str, data: bytes | None, source: str
) -> EvaluationOut:
    """Metrics with intervals on new labelled data (CSV), or on the model's own hold-out."""
    from oncoboard.prediction import metrics, tabular
    from oncoboard.prediction.validation import cohort_metrics

    gate.require(access, Action.TRAIN_MODELS, patient_scoped=False)
    row = get_row(session, model_id)
    loaded = load(row)
    if data is None:
        return EvaluationOut(
            model_id=row.id,
            data="sequestered hold-out (stored)",
            metrics=CohortMetrics.model_validate(row.validation["holdout"]),
        )
    table = tabular.read_table(data, source, loaded.model.features, need_outcome=True)
    assert table.time is not None and table.event is not None
    x = imputed(table.x, loaded)
    result = cohort_metrics(
        loaded.model,
        x,
        table.time,
        table.event,
        cohort=source,
        censoring=metrics.censoring_survival(table.time, table.event),
        horizon=loaded.horizon,
        replicates=200,
        seed=1,
        note="missing features imputed with the training median",
    )
    event(
        session,
        row.id,
        access.actor.username,
        "evaluated",
        f"{source}: n={result.n}, C={result.harrell_c.value}",
    )
    return EvaluationOut(model_id=row.id, data=source, metrics=result)


def imputed(x: np.ndarray, loaded: LoadedModel) -> np.ndarray:
    import numpy as np

    ranges = loaded.artefact["feature_ranges"]
    medians = np.array([ranges[f]["median"] for f in loaded.model.features])
    return np.where(np.isnan(x), medians, x)


def card(session: Session, *, access: Access, model_id: str) -> dict[str, Any]:
    """The model card's content for one version (sections of Mitchell et al. 2019)."""
    from oncoboard.prediction.card import card_data

    gate.require(access, Action.REVIEW_MODELS, patient_scoped=False)
    row = get_row(session, model_id)
    return card_data(row, load(row), events(session, access=access, name=row.name))


def refuse_unknown(value: str, allowed: tuple[str, ...], field: str) -> None:
    if value not in allowed:
        raise InputError(f"{field} {value!r}: expected one of {', '.join(allowed)}")
