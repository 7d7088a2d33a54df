# SPDX-License-Identifier: Apache-2.0
"""Recommendations are stored as proposed; a named clinician accepts, modifies or rejects each.

Decisions are immutable (one per recommendation, append-only on PostgreSQL) and nothing is
applied without one (EU AI Act Art. 14 human oversight; GDPR Art. 22).
"""

from __future__ import annotations

from datetime import datetime
from importlib import import_module
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from oncoboard.errors import Conflict, NotFound, PermissionDenied
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.models import DecisionRow, RecommendationRow
from oncoboard.governance.recommendation import (
    Recommendation,
    RecommendationKind,
    RecommendationStatus,
)
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.record.models import PatientRow
from oncoboard.store.base import Base

DecisionOutcome = Literal["accept", "modify", "reject", "screened", "referred", "not_suitable"]
# screened / referred / not suitable: a coordinator's outcome for a trial recommendation only
TRIAL_OUTCOMES = frozenset({"screened", "referred", "not_suitable"})
# What a decision does beyond being recorded, per recommendation kind: "module:function" called
# as ``handler(session, recommendation, decision)`` in the same unit of work (so a failing
# handler rolls the decision back). Resolved at call time, so no import order can skip one.
ON_DECISION: dict[RecommendationKind, tuple[str, ...]] = {
    RecommendationKind.DOSE_CHANGE: ("oncoboard.dosing.service:apply_decision",),
}
_STATUS = {
    "accept": RecommendationStatus.ACCEPTED,
    "modify": RecommendationStatus.MODIFIED,
    "reject": RecommendationStatus.REJECTED,
    "screened": RecommendationStatus.SCREENED,
    "referred": RecommendationStatus.REFERRED,
    "not_suitable": RecommendationStatus.NOT_SUITABLE,
}


class DecisionIn(BaseModel):
    outcome: DecisionOutcome
    reason: str | None = Field(default=None, max_length=4000)
    modification: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _reason_required(self) -> DecisionIn:
        if self.outcome in ("modify", "reject", "not_suitable") and not (self.reason or "").strip():
            raise ValueError(f"a reason is required to {self.outcome} a recommendation")
        if self.outcome == "modify" and not (self.modification or "").strip():
            raise ValueError("modify needs the modified recommendation text")
        return self


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)
    recommendation_id: str
    outcome: DecisionOutcome
    decided_by: str
    decided_by_name: str
    reason: str | None
    modification: str | None
    decided_at: datetime


class ReviewedRecommendation(BaseModel):
    """A recommendation as shown to clinicians: the contract plus its decision, if any."""

    model_config = ConfigDict(frozen=True)
    recommendation: Recommendation
    decision: Decision | None


def propose(session: Session, *, access: Access, recommendation: Recommendation) -> str:
    """Store an engine's recommendation as proposed (the caller passed the gate to edit)."""
    _require(access, Action.EDIT_RECORD, recommendation.patient_id)
    patient_pk = gate.record_key(session, access)
    row = {
        "id": recommendation.id,
        "patient_id": patient_pk,
        "kind": recommendation.kind.value,
        "payload": recommendation.model_dump(mode="json"),
    }
    session.execute(_INSERT_RECOMMENDATION, row)  # written now: alerts and decisions point to it
    return recommendation.id


_INSERT_RECOMMENDATION = insert(Base.metadata.tables[RecommendationRow.__tablename__])


def list_for_patient(session: Session, *, access: Access) -> list[ReviewedRecommendation]:
    _require(access, Action.VIEW_RECORD, access.patient_id)
    patient_pk = gate.record_key(session, access)
    rows = session.scalars(
        select(RecommendationRow)
        .where(RecommendationRow.patient_id == patient_pk)
        .order_by(RecommendationRow.created_at)
    )
    return [_reviewed(session, row) for row in rows]


def patient_of(session: Session, recommendation_id: str) -> str:
    """Which patient a recommendation belongs to (so the gate can be asked before anything else)."""
    external = session.scalar(
        select(PatientRow.external_id)
        .join(RecommendationRow, RecommendationRow.patient_id == PatientRow.id)
        .where(RecommendationRow.id == recommendation_id)
    )
    if external is None:
        raise NotFound(f"recommendation {recommendation_id!r} not found")
    return external


def authorize_decision(session: Session, actor: Actor, recommendation_id: str) -> Access:
    """The gate for deciding on a recommendation: ``decide`` for treatment on its patient."""
    return gate.authorize(
        session,
        actor=actor,
        action=Action.DECIDE,
        purpose=Purpose.TREATMENT,
        obj=f"recommendation {recommendation_id}",
        patient_id=patient_of(session, recommendation_id),
    )


def record_decision(
    session: Session, *, access: Access, recommendation_id: str, decision_in: DecisionIn
) -> Decision:
    """A named clinician's decision; a second decision on the same recommendation is refused."""
    _require(access, Action.DECIDE, access.patient_id)
    row = session.get(RecommendationRow, recommendation_id)
    if row is None or patient_of(session, recommendation_id) != access.patient_id:
        raise NotFound(f"recommendation {recommendation_id!r} not found")
    if decision_in.outcome in TRIAL_OUTCOMES and row.kind != "trial":
        raise Conflict(
            f"outcome {decision_in.outcome!r} does not apply to a {row.kind} recommendation "
            "(screened / referred / not_suitable are for trial recommendations only)"
        )
    existing = session.scalar(select(DecisionRow).where(DecisionRow.recommendation_id == row.id))
    if existing is not None:
        raise Conflict(
            f"recommendation {recommendation_id} was already decided "
            f"({existing.outcome}) by {existing.decided_by} on "
            f"{existing.decided_at:%Y-%m-%d %H:%M} UTC; decisions are immutable"
        )
    decision = DecisionRow(
        recommendation_id=row.id,
        outcome=decision_in.outcome,
        decided_by=access.actor.username,
        decided_by_name=access.actor.display_name,
        reason=decision_in.reason,
        modification=decision_in.modification,
    )
    session.add(decision)
    session.flush()
    recorded = _decision(decision)
    _run_handlers(session, row, recorded)
    return recorded


def _run_handlers(session: Session, row: RecommendationRow, decision: Decision) -> None:
    handlers = ON_DECISION.get(RecommendationKind(row.kind), ())
    recommendation = Recommendation.model_validate(row.payload) if handlers else None
    for target in handlers:
        module, name = target.split(":")
        getattr(import_module(module), name)(session, recommendation, decision)


def _reviewed(session: Session, row: RecommendationRow) -> ReviewedRecommendation:
    decision_row = session.scalar(
        select(DecisionRow).where(DecisionRow.recommendation_id == row.id)
    )
    decision = _decision(decision_row) if decision_row else None
    payload = dict(row.payload)
    if decision is not None:
        payload["status"] = _STATUS[decision.outcome].value
    return ReviewedRecommendation(
        recommendation=Recommendation.model_validate(payload), decision=decision
    )


def _decision(row: DecisionRow) -> Decision:
    return Decision(
        recommendation_id=row.recommendation_id,
        outcome=row.outcome,
        decided_by=row.decided_by,
        decided_by_name=row.decided_by_name,
        reason=row.reason,
        modification=row.modification,
        decided_at=row.decided_at,
    )


def _require(access: Access, action: Action, patient_id: str | None) -> None:
    gate.require(access, action)
    if access.patient_id != patient_id:
        raise PermissionDenied(f"access was granted for {access.patient_id}, not {patient_id}")
