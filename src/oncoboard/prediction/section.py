# SPDX-License-Identifier: Apache-2.0
"""The patient page's "Prediction" section: the released model's answer for the record the page
already read, its explanation plot (matplotlib SVG) and the same data as a table.

Kept apart from the page routers so ``web.routes`` can build it without importing the pages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from oncoboard.governance import gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.vocabulary import Action, Purpose, allowed_purposes
from oncoboard.prediction import plots, service, serving
from oncoboard.prediction.engine import shown_value
from oncoboard.prediction.schemas import PatientPredictionOut, PredictionOut
from oncoboard.record.schemas import PatientRecord


@dataclass(frozen=True)
class FeatureRow:
    """One row of the table beside the plot, as the clinician reads it."""

    label: str
    recorded: str
    used: str
    imputed: bool
    source: str
    fact_id: int | None
    hazard_ratio: str  # "x1.35 (1.20-1.52)": never without its interval


@dataclass(frozen=True)
class PredictionSection:
    answer: PatientPredictionOut
    plot: str  # inline SVG ("" without a prediction)
    rows: tuple[FeatureRow, ...]
    can_propose: bool  # may add it to the record as a proposed recommendation


def _rows(prediction: PredictionOut) -> tuple[FeatureRow, ...]:
    return tuple(
        FeatureRow(
            label=f.label,
            recorded="not recorded" if f.value is None else shown_value(f.value, f.unit),
            used=shown_value(f.used, f.unit),
            imputed=f.value is None,
            source=f.source,
            fact_id=f.fact_id,
            hazard_ratio=f"×{math.exp(f.contribution):.2f} ({math.exp(f.contribution_low):.2f}"
            f"–{math.exp(f.contribution_high):.2f})",
        )
        for f in prediction.features
    )


def explanation_plot(prediction: PredictionOut) -> str:
    """The per-patient explanation: each feature's contribution with its 95 % interval."""
    labels = [
        f"{f.label}: {shown_value(f.used, f.unit)}" + (" (not recorded)" if f.value is None else "")
        for f in prediction.features
    ]
    return plots.contribution_plot(
        labels,
        [f.contribution for f in prediction.features],
        [(f.contribution_low, f.contribution_high) for f in prediction.features],
        prefix="pred-contrib",
    )


def prediction_section(
    session: Session, *, actor: Actor, record: PatientRecord, today: date | None = None
) -> PredictionSection | None:
    """None for roles that may not ask for predictions (nothing is read, nothing audited); the
    model is asked, through the gate, only when a released version exists."""
    if not serving.may_predict(actor):
        return None
    if service.released_model(session) is None:
        answer = PatientPredictionOut(
            patient_id=record.patient_id, status="no_model", reasons=[serving.NO_MODEL]
        )
        return PredictionSection(answer, "", (), can_propose=False)
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.PREDICT,
        purpose=Purpose.TREATMENT,
        obj="patient page prediction",
        patient_id=record.patient_id,
    )
    answer = serving.for_record(session, access=access, record=record, today=today)
    if answer.prediction is None:
        return PredictionSection(answer, "", (), can_propose=False)
    can_propose = Purpose.TREATMENT in allowed_purposes(actor.roles, Action.EDIT_RECORD)
    return PredictionSection(
        answer,
        explanation_plot(answer.prediction),
        _rows(answer.prediction),
        can_propose=can_propose,
    )
