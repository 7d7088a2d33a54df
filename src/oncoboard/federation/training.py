# SPDX-License-Identifier: Apache-2.0
"""Federated training on Flower: each site exports only its consented training rows, Flower's
FedAvg trains a logistic model across them, and the same model trained on the pooled rows is
evaluated beside it on the same held-out rows.

The model (``flower_app/oncoboard_fl/model.py``) is a plain logistic regression of our own; the
learned-models capability (issue #18) is built elsewhere and not depended on here. Features: one
indicator per gene of a panel the caller names (a recorded variant in the gene) and log(1 + the
number of recorded variants); label: deceased as the record states it. Rows carry no identifier.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.errors import InputError, PermissionDenied, Problem
from oncoboard.federation.flower_app.oncoboard_fl import model
from oncoboard.federation.terms import GENE_SYMBOL
from oncoboard.governance import audit, gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.record.models import FactRow, PatientRow

PURPOSE = Purpose.MODEL_TRAINING
TEST_SHARE = 5  # one patient in five is held out, chosen by a hash of the record key


def authorize_export(session: Session, actor: Actor, what: str) -> Access:
    """Training rows leave the record for model training (audited; consented patients only)."""
    return gate.authorize(
        session, actor=actor, action=Action.EXPORT, purpose=PURPOSE, obj=what[:256]
    )


@dataclass(frozen=True)
class Export:
    path: Path
    features: list[str]
    train_rows: int
    test_rows: int
    positives: int
    skipped_without_label: int


def export_rows(
    *, session: Session, access: Access, genes: list[str], out: Path, salt: str
) -> Export:
    """Write this site's consented, labelled rows (features, label, train/test split) to ``out``
    (numpy ``.npz``); no identifier is written. ``salt`` keeps the split unlinkable across sites."""
    gate.require(access, Action.EXPORT, patient_scoped=False)
    if access.purpose != PURPOSE:
        raise PermissionDenied(
            f"training rows are exported for {PURPOSE.value}, not {access.purpose.value}"
        )
    panel = gene_panel(genes)
    consented = select(PatientRow.id).where(gate.visible_patients(access.actor, PURPOSE))
    labels = {
        pid: dead
        for pid, dead in session.execute(
            select(FactRow.patient_id, FactRow.payload["deceased"].as_boolean()).where(
                FactRow.kind == "demographics", FactRow.patient_id.in_(consented)
            )
        )
    }
    keys = dict(
        session.execute(
            select(PatientRow.id, PatientRow.external_id).where(PatientRow.id.in_(consented))
        ).all()
    )
    mutated: dict[int, set[str]] = {}
    counts: dict[int, int] = {}
    for pid, gene in session.execute(
        select(FactRow.patient_id, FactRow.gene).where(
            FactRow.kind == "variant", FactRow.patient_id.in_(consented)
        )
    ):
        mutated.setdefault(pid, set()).add((gene or "").upper())
        counts[pid] = counts.get(pid, 0) + 1
    rows, skipped = _rows(keys, labels, mutated, counts, panel, salt)
    x_train, y_train, x_test, y_test = rows
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        out,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        features=np.array([*(f"mutated:{g}" for g in panel), "log1p_variants"]),
    )
    audit.append(
        session,
        audit.AuditEvent(
            actor=access.actor.username,
            roles=access.actor.roles_text,
            action=access.action.value,
            purpose=PURPOSE.value,
            object="federated training rows",
            outcome="allowed",
            reason=f"{len(y_train)} training and {len(y_test)} held-out rows of consented patients; "
            f"{skipped} consented patients without a recorded vital status left out",
            request_id=access.actor.request_id,
        ),
    )
    return Export(
        out,
        [*panel, "log1p_variants"],
        len(y_train),
        len(y_test),
        int(y_train.sum() + y_test.sum()),
        skipped,
    )


def gene_panel(genes: list[str]) -> list[str]:
    """The panel's symbols, upper case; an empty, repeated or malformed symbol is an error."""
    panel = [g.strip().upper() for g in genes if g.strip()]
    bad = [g.strip() for g in genes if g.strip() and not GENE_SYMBOL.match(g.strip().upper())]
    if bad or not panel or len(panel) != len(set(panel)):
        shown = ",".join(bad) if bad else ",".join(genes)
        raise InputError(
            f"a gene panel is needed (distinct HGNC symbols): {shown!r}",
            [Problem("training", "genes", "genes", shown, "distinct gene symbols, e.g. FLT3,NPM1")],
        )
    return panel


def _rows(
    keys: dict[int, str],
    labels: dict[int, bool | None],
    mutated: dict[int, set[str]],
    counts: dict[int, int],
    panel: list[str],
    salt: str,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], int]:
    train_x: list[list[float]] = []
    test_x: list[list[float]] = []
    train_y: list[float] = []
    test_y: list[float] = []
    skipped = 0
    for pid in sorted(keys):
        label = labels.get(pid)
        if label is None:
            skipped += 1
            continue
        features = [1.0 if g in mutated.get(pid, set()) else 0.0 for g in panel]
        features.append(math.log1p(counts.get(pid, 0)))
        held_out = (
            int(hashlib.sha256(f"{salt}:{keys[pid]}".encode()).hexdigest(), 16) % TEST_SHARE == 0
        )
        (test_x if held_out else train_x).append(features)
        (test_y if held_out else train_y).append(1.0 if label else 0.0)
    width = len(panel) + 1

    def matrix(values: list[list[float]]) -> np.ndarray:
        return np.array(values, dtype=np.float64).reshape(-1, width)

    return (matrix(train_x), np.array(train_y), matrix(test_x), np.array(test_y)), skipped


@dataclass(frozen=True)
class Hyper:
    rounds: int = 5
    local_epochs: int = 5
    learning_rate: float = 0.5
    l2: float = 0.01
    dp_clip: float = 0.0
    dp_noise: float = 0.0
    federated_evaluation: bool = True  # each site also scores the model on its held-out rows


def pooled(paths: list[Path], hyper: Hyper) -> tuple[np.ndarray, dict[str, Any]]:
    """The same model on every site's training rows at once, for the same number of gradient
    steps as one site takes in the federated run (rounds × local epochs)."""
    x, y = _stack(paths, "train")
    start = np.zeros(x.shape[1] + 1)
    weights = model.fit(
        start, x, y, epochs=hyper.rounds * hyper.local_epochs, lr=hyper.learning_rate, l2=hyper.l2
    )
    return weights, {"train_rows": len(y)}


def evaluate(weights: np.ndarray, paths: list[Path]) -> dict[str, float]:
    """Metrics on the union of the sites' held-out rows."""
    x, y = _stack(paths, "test")
    return model.metrics(y, model.predict(weights, x))


def _stack(paths: list[Path], split: str) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for path in paths:
        with np.load(path) as data:
            xs.append(data[f"x_{split}"])
            ys.append(data[f"y_{split}"])
    return np.vstack(xs), np.concatenate(ys)


def comparison(federated: dict[str, Any], paths: list[Path], hyper: Hyper) -> dict[str, Any]:
    """Federated and pooled metrics side by side, on the same held-out rows, in one run."""
    weights = np.array(federated["weights"])
    pooled_weights, info = pooled(paths, hyper)
    return {
        "hyper": hyper.__dict__,
        "sites": federated.get("sites"),
        "train_rows": info["train_rows"],
        "federated": evaluate(weights, paths),
        "pooled": evaluate(pooled_weights, paths),
        "weight_distance": float(np.linalg.norm(weights - pooled_weights)),
        "flower_rounds": federated.get("train"),
    }


def load_report(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text())
    return report
