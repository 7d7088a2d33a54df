# SPDX-License-Identifier: Apache-2.0
"""One patient's prediction through the gate: only a released model speaks, only for a patient
inside its intended use, and a clinician may add it to the record as a proposed Recommendation.

Keyword-only, explicit session, never commits. Reading the record needs ``view_record`` and
asking the model needs ``predict`` (clinicians and tumour board), both for treatment, so consent
and the audit trail apply to each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from oncoboard.errors import Conflict, PermissionDenied
from oncoboard.governance import decisions, gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose, allowed_purposes
from oncoboard.prediction import engine, service
from oncoboard.prediction.schemas import PatientPredictionOut
from oncoboard.record import service as record_service
from oncoboard.record.schemas import PatientRecord

NO_MODEL = "no model version has been released by the quality officer, so none serves predictions"


@dataclass(frozen=True)
class PredictionAccess:
    """The gate's proofs for one patient's prediction: ask the model, read the record."""

    predict: Access
    record: Access
    propose: Access | None = None


def may_predict(actor: Actor) -> bool:
    """Whether the actor's roles may ask for predictions at all (no audit: nothing is read)."""
    return Purpose.TREATMENT in allowed_purposes(actor.roles, Action.PREDICT)


def authorize(
    session: Session, *, actor: Actor, patient_id: str, propose: bool = False
) -> PredictionAccess:
    """Ask the gate for each action the prediction needs; the first refusal stops (audited)."""

    def one(action: Action, obj: str) -> Access:
        return gate.authorize(
            session,
            actor=actor,
            action=action,
            purpose=Purpose.TREATMENT,
            obj=obj,
            patient_id=patient_id,
        )

    predict = one(Action.PREDICT, "model prediction")
    record = one(Action.VIEW_RECORD, "record for a model prediction")
    proposal = one(Action.EDIT_RECORD, "model prediction proposed for review") if propose else None
    return PredictionAccess(predict, record, proposal)


def for_record(
    session: Session, *, access: Access, record: PatientRecord, today: date | None = None
) -> PatientPredictionOut:
    """The released model's answer for a record the caller already read (the patient page)."""
    gate.require(access, Action.PREDICT)
    if record.patient_id != access.patient_id:
        raise PermissionDenied(
            f"access was granted for {access.patient_id}, not {record.patient_id}"
        )
    loaded = service.released_model(session)
    if loaded is None:
        return PatientPredictionOut(
            patient_id=record.patient_id, status="no_model", reasons=[NO_MODEL]
        )
    return engine.for_patient(loaded, record, today or date.today())


def patient_prediction(
    session: Session, *, access: PredictionAccess, today: date | None = None
) -> PatientPredictionOut:
    """Read the record and answer; with ``access.propose`` store the prediction as a proposed
    Recommendation that a clinician accepts, modifies or rejects (nothing is applied)."""
    record = record_service.get_patient_record(
        session=session, access=access.record, variant_limit=0
    )
    answer = for_record(session, access=access.predict, record=record, today=today)
    if access.propose is None:
        return answer
    if answer.recommendation is None:
        raise Conflict(
            f"patient {answer.patient_id}: no prediction to add to the record: "
            + "; ".join(answer.reasons)
        )
    stored = decisions.propose(session, access=access.propose, recommendation=answer.recommendation)
    return answer.model_copy(update={"stored_recommendation_id": stored})
