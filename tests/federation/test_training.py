# SPDX-License-Identifier: Apache-2.0
"""Federated training: each site exports only its consented, labelled rows (no identifiers);
Flower FedAvg in deployment mode on loopback across three sites (real TCGA-LAML parts) reaches
the pooled model on the same held-out rows; the model's metrics match independent formulas."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from oncoboard.errors import PermissionDenied
from oncoboard.federation import flower, training
from oncoboard.federation.flower_app.oncoboard_fl import model
from oncoboard.governance.users import actor_for
from oncoboard.governance.vocabulary import Purpose, Role
from oncoboard.ingest import service as ingest_service
from oncoboard.ingest.schemas import ImportOptions, SourceFile
from oncoboard.store.db import make_engine, unit_of_work
from oncoboard.store.migrate import upgrade
from tests.conftest import make_user
from tests.federation.laml import laml_patients, write_study
from tests.federation.support import admin_actor, set_consent
from tests.support import require_or_skip

# the genes mutated in most patients of tcga_laml.maf.gz, counted from the file: FLT3 52, DNMT3A
# 48, NPM1 33, IDH2 20, IDH1 18, TET2 17, RUNX1 16, TP53 15 (NRAS ties with TP53 at 15)
GENES = ["FLT3", "DNMT3A", "NPM1", "IDH2", "IDH1", "TET2", "RUNX1", "TP53"]


def _site(engine: Engine, folder: Path, part: int, parts: int, withdraw: int = 0) -> list[str]:
    admin = admin_actor(engine)
    ids = write_study(folder, part, parts)
    with unit_of_work(engine) as session:
        access = ingest_service.authorize_import(session, admin, "laml")
        ingest_service.import_as(session=session, access=access, source=SourceFile.from_path(folder),
                                 options=ImportOptions())  # fmt: skip
    set_consent(engine, ids, purpose=Purpose.MODEL_TRAINING)
    if withdraw:
        set_consent(engine, ids[:withdraw], status="withdrawn", purpose=Purpose.MODEL_TRAINING)
    return ids


def _export(engine: Engine, out: Path, user: str = "dr-ml") -> training.Export:
    with unit_of_work(engine) as session:
        access = training.authorize_export(session, actor_for(session, user), "training rows")
        return training.export_rows(
            session=session, access=access, genes=GENES, out=out, salt="test"
        )


@pytest.mark.shared
def test_export_holds_only_consented_labelled_rows_without_identifiers(
    engine: Engine, tmp_path: Path
) -> None:
    ids = _site(engine, tmp_path / "laml", 1, 3, withdraw=5)
    make_user(engine, "dr-ml", [Role.RESEARCHER])
    export = _export(engine, tmp_path / "rows.npz")
    assert export.train_rows + export.test_rows == len(ids) - 5
    deceased = dict(laml_patients())
    with np.load(export.path) as data:
        assert set(data.files) == {"x_train", "y_train", "x_test", "y_test", "features"}
        labels = np.concatenate([data["y_train"], data["y_test"]])
        assert labels.sum() == sum(deceased[p] for p in ids[5:])
        assert data["x_train"].shape[1] == len(GENES) + 1
    raw = export.path.read_bytes()
    assert not any(p.encode() in raw for p in ids)
    make_user(engine, "nurse-ml", [Role.NURSE])
    with pytest.raises(PermissionDenied), unit_of_work(engine) as session:
        training.authorize_export(session, actor_for(session, "nurse-ml"), "training rows")


def test_model_metrics_match_independent_formulas() -> None:
    y = np.array([0, 0, 1, 1, 1.0])
    p = np.array([0.1, 0.4, 0.35, 0.8, 0.4])
    # AUC by counting pairs: positive above negative = 1, tie = 1/2 (6 pairs)
    pairs = [(a, b) for a in p[y == 1] for b in p[y == 0]]
    expected = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in pairs) / len(pairs)
    found = model.metrics(y, p)
    assert found["auc"] == pytest.approx(expected)
    assert found["brier"] == pytest.approx(np.mean((p - y) ** 2))
    update = np.array([3.0, 4.0])
    clipped = model.clip_and_noise(update, clip=1.0, noise=0.0, rng=np.random.default_rng(1))
    assert np.linalg.norm(clipped) == pytest.approx(1.0)


@pytest.mark.shared
def test_flower_fedavg_across_three_sites_matches_the_pooled_model(tmp_path: Path) -> None:
    try:
        flower.sidecar_bin()
        available = True
    except Exception:
        available = False
    require_or_skip(available, "Flower sidecar absent: run `make flower` (created by `make test`)")
    files = []
    for part in (1, 2, 3):
        engine = make_engine(f"sqlite:///{tmp_path / f'site-{part}.sqlite3'}")
        upgrade(engine)
        _site(engine, tmp_path / f"laml-{part}", part, 3)
        make_user(engine, "dr-ml", [Role.RESEARCHER])
        files.append(_export(engine, tmp_path / f"site-{part}.npz").path)
        engine.dispose()
    # bounded: three rounds, no per-round federated evaluation (each message starts a process)
    hyper = training.Hyper(rounds=3, local_epochs=5, federated_evaluation=False)
    report = flower.run(files, hyper, features=len(GENES) + 1)
    assert report["sites"] == 3 and report["rounds"] == 3
    losses = [report["train"][str(r)]["train-loss"] for r in (1, 2, 3)]
    assert losses == sorted(losses, reverse=True)  # FedAvg rounds reduce the training loss
    result = training.comparison(report, files, hyper)
    assert result["federated"]["n"] == result["pooled"]["n"] > 0
    # full participation and full-batch steps: FedAvg lands close to the pooled solution
    assert result["weight_distance"] < 0.25
    assert abs(result["federated"]["log_loss"] - result["pooled"]["log_loss"]) < 0.02
    assert os.environ.get("FLWR_HOME") is None  # the run kept its Flower home to itself
