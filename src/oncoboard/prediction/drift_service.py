# SPDX-License-Identifier: Apache-2.0
"""Post-market surveillance of a model version through the gate: feature drift (PSI/KS) and
performance per labelled window against the plan's thresholds; alerts into the quality
officer's queue, acknowledged by the quality officer. Keyword-only, never commits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.errors import Conflict, InputError, NotFound
from oncoboard.governance import gate
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Action
from oncoboard.prediction import datasets, drift, metrics, pccp, tabular, training
from oncoboard.prediction.engine import LoadedModel
from oncoboard.prediction.models import DriftReportRow, ModelAlertRow
from oncoboard.prediction.schemas import AlertOut, DriftReportOut, DriftThresholds, TrainingSpec
from oncoboard.prediction.service import event, get_row, imputed, load
from oncoboard.prediction.validation import estimate


def check_drift(
    session: Session, *, access: Access, model_id: str, data: bytes, source: str
) -> DriftReportOut:
    """PSI/KS per feature against the training data, performance per labelled window; alerts
    beyond the plan's thresholds go to the quality officer's queue."""
    gate.require(access, Action.TRAIN_MODELS, patient_scoped=False)
    row = get_row(session, model_id)
    loaded = load(row)
    thresholds = pccp.plan_for(row.plan_id).drift
    table = tabular.read_table(data, source, loaded.model.features, need_outcome=False)
    reference = _reference(loaded)
    features = [
        drift.feature_drift(f, reference[:, j], table.x[:, j], thresholds)
        for j, f in enumerate(loaded.model.features)
    ]
    performance = _performance(loaded, table, thresholds, row.validation)
    alerts = [
        f"feature {f.feature}: PSI {f.psi} >= {thresholds.psi_alert}"
        for f in features
        if f.level == "alert"
    ] + [p["alert"] for p in performance if p.get("alert")]
    report = DriftReportRow(
        model_id=row.id,
        created_by=access.actor.username,
        data_name=source[:256],
        n=len(table.x),
        payload={
            "features": [f.model_dump() for f in features],
            "performance": performance,
            "alerts": alerts,
        },
    )
    session.add(report)
    session.flush()
    for message in alerts:
        session.add(
            ModelAlertRow(
                model_id=row.id, report_id=report.id, kind="drift", message=message, status="open"
            )
        )
    event(
        session,
        row.id,
        access.actor.username,
        "drift",
        f"{source}: n={len(table.x)}, {len(alerts)} alert(s)",
    )
    session.flush()
    return drift_report(report)


def _reference(loaded: LoadedModel) -> np.ndarray:
    """The training features, re-read from the package and checked against the recorded hash."""
    info = loaded.artefact["training_data"]
    cohort = datasets.load(info["dataset"])
    if cohort.sha256 != info["sha256"]:
        raise Conflict(
            f"training data {info['dataset']} changed since {loaded.id} was trained "
            f"({cohort.sha256[:12]} vs {info['sha256'][:12]}): no drift reference"
        )
    spec = TrainingSpec.model_validate(loaded.artefact["spec"])
    dev, _ = training.split(cohort.event, spec.holdout_fraction, spec.seed)
    return training.matrix(cohort, loaded.model.features)[dev]


def performance_floor(validation: dict[str, Any], thresholds: DriftThresholds) -> float:
    """A window's C below this raises an alert: the validated lower bound minus the plan's drop."""
    return round(float(validation["holdout"]["harrell_c"]["low"]) - thresholds.c_index_drop, 4)


def _performance(
    loaded: LoadedModel,
    table: tabular.Table,
    thresholds: DriftThresholds,
    validation: dict[str, Any],
) -> list[dict[str, Any]]:
    """Harrell's C with its bootstrap 95 % interval per labelled window (too few events: no
    number); an alert when the estimate falls below the floor."""
    if table.time is None or table.event is None:
        return []
    time, event = table.time, table.event
    windows = table.window if table.window is not None else np.array(["all"] * len(table.x))
    floor = performance_floor(validation, thresholds)
    lp = loaded.model.linear_predictor(imputed(table.x, loaded))
    found = []
    for label in sorted(set(windows)):
        member = np.flatnonzero(windows == label)
        n_events = int(event[member].sum())
        entry: dict[str, Any] = {"window": str(label), "n": len(member), "events": n_events}
        if n_events < thresholds.min_window_events:
            entry["note"] = f"too few events ({n_events} < {thresholds.min_window_events})"
            found.append(entry)
            continue

        def c(i: np.ndarray, m: np.ndarray = member) -> float:
            return metrics.harrell_c(time[m][i], event[m][i], lp[m][i])

        value = estimate(c, len(member), replicates=WINDOW_REPLICATES, seed=len(found))
        entry["harrell_c"] = value.model_dump()
        if value.value < floor:
            entry["alert"] = (
                f"window {label}: C {value.value:.3f} (95% CI {value.low:.3f}-{value.high:.3f}) "
                f"below {floor:.3f} (validated lower bound - {thresholds.c_index_drop})"
            )
        found.append(entry)
    return found


WINDOW_REPLICATES = 200


def drift_report(row: DriftReportRow) -> DriftReportOut:
    p = row.payload
    return DriftReportOut(
        id=row.id,
        model_id=row.model_id,
        data=row.data_name,
        n=row.n,
        created_at=row.created_at,
        created_by=row.created_by,
        features=p["features"],
        performance=p["performance"],
        alerts=p["alerts"],
    )


def latest_drift(session: Session, *, access: Access, model_id: str) -> DriftReportOut | None:
    gate.require(access, Action.REVIEW_MODELS, patient_scoped=False)
    row = session.scalar(
        select(DriftReportRow)
        .where(DriftReportRow.model_id == model_id)
        .order_by(DriftReportRow.id.desc())
        .limit(1)
    )
    return drift_report(row) if row else None


def alerts(session: Session, *, access: Access, status: str | None = "open") -> list[AlertOut]:
    gate.require(access, Action.REVIEW_MODELS, patient_scoped=False)
    query = select(ModelAlertRow).order_by(ModelAlertRow.id)
    if status:
        query = query.where(ModelAlertRow.status == status)
    return [_alert(a) for a in session.scalars(query)]


def _alert(a: ModelAlertRow) -> AlertOut:
    return AlertOut(
        id=a.id,
        model_id=a.model_id,
        kind=a.kind,
        message=a.message,
        status=a.status,
        created_at=a.created_at,
        acknowledged_by=a.acknowledged_by,
    )


def alert_number(text: str) -> int:
    """An alert id from a URL (checked after the gate, so a refusal is never a 422)."""
    if not text.isdigit() or len(text) > 12:
        raise InputError(f"model alert id {text!r}: expected a number")
    return int(text)


def acknowledge(session: Session, *, access: Access, alert_id: int) -> AlertOut:
    """The quality officer has seen an alert and acts on it (recorded in the version history)."""
    gate.require(access, Action.PROMOTE_MODELS, patient_scoped=False)
    alert = session.get(ModelAlertRow, alert_id)
    if alert is None:
        raise NotFound(f"model alert {alert_id} not found")
    if alert.status != "open":
        raise Conflict(
            f"model alert {alert_id} was already acknowledged by {alert.acknowledged_by}"
        )
    alert.status, alert.acknowledged_by = "acknowledged", access.actor.username
    alert.acknowledged_at = datetime.now(UTC)
    event(session, alert.model_id, access.actor.username, "alert acknowledged", alert.message)
    session.flush()
    return _alert(alert)
