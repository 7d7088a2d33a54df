# SPDX-License-Identifier: Apache-2.0
"""Learned models: 5-fold CV Harrell's C against the anchors on the same folds in the same run,
training time of the shipped specs, per-patient prediction + explanation latency (goal < 200 ms)
against the path of commit e2854aa in the same run.

Anchors: lifelines' CoxPHFitter (MIT) and scikit-survival's RandomSurvivalForest (GPL-3, test
extra); OncoBoard's models: Cox PH (numpy) and gradient-boosted Cox trees (XGBoost).
"""

from __future__ import annotations

import json
import statistics
import time
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from oncoboard.prediction import (
    datasets,
    engine,
    estimators,
    metrics,
    plots,
    section,
    training,
)
from oncoboard.prediction.schemas import PredictionOut, TrainingSpec

COMMON = ("age_years", "tumour_size_mm", "grade", "positive_nodes", "er_positive", "pr_positive")
SETS = {
    "metabric": tuple(datasets.METABRIC_COLUMNS.values()),
    "seer_breast": (
        *COMMON,
        "t_stage",
        "n_stage",
        "stage_group",
        "distant_extension",
        "nodes_examined",
        "race_black",
        "race_other",
        "married",
    ),
    "seer_breast (6 common)": COMMON,
    "gbsg2": (
        "age_years",
        "tumour_size_mm",
        "grade",
        "positive_nodes",
        "er_fmol",
        "pr_fmol",
        "hormone_therapy",
        "postmenopausal",
    ),
}
ANCHORS = {"metabric": (0.636, 0.646), "seer_breast": (0.735, None), "gbsg2": (0.679, 0.689)}


def _anchor_cox(x: np.ndarray, t: np.ndarray, e: np.ndarray, xt: np.ndarray) -> np.ndarray:
    from lifelines import CoxPHFitter

    cols = [f"f{j}" for j in range(x.shape[1])]
    frame = pd.DataFrame(x, columns=cols).assign(T=t, E=e.astype(int))
    fitter = CoxPHFitter().fit(frame, "T", "E")
    return np.asarray(fitter.predict_log_partial_hazard(pd.DataFrame(xt, columns=cols)))


def _anchor_rsf(x: np.ndarray, t: np.ndarray, e: np.ndarray, xt: np.ndarray) -> np.ndarray | None:
    try:
        from sksurv.ensemble import RandomSurvivalForest
        from sksurv.util import Surv
    except ImportError:
        return None
    forest = RandomSurvivalForest(n_estimators=100, min_samples_leaf=15, n_jobs=1, random_state=0)
    return np.asarray(forest.fit(x, Surv.from_arrays(e, t)).predict(xt))


def cv_table() -> None:
    print(
        "| cohort | features | anchor Cox (lifelines) | anchor RSF (sksurv) | OncoBoard Cox | "
        "OncoBoard boosted Cox | quoted anchors Cox / RSF |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, features in SETS.items():
        cohort = datasets.load(label.split(" ")[0])
        x = cohort.features[list(features)].to_numpy(float)
        fold = training.folds(cohort.event, 5, 20260101)
        scores: dict[str, list[float]] = {k: [] for k in ("cox", "rsf", "ours_cox", "ours_boost")}
        for k in range(5):
            te, tr = fold == k, fold != k
            t, e = cohort.time, cohort.event

            def c(
                risk: np.ndarray, t: np.ndarray = t, e: np.ndarray = e, te: np.ndarray = te
            ) -> float:
                return metrics.harrell_c(t[te], e[te], risk)

            scores["cox"].append(c(_anchor_cox(x[tr], t[tr], e[tr], x[te])))
            rsf = _anchor_rsf(x[tr], t[tr], e[tr], x[te])
            if rsf is not None:
                scores["rsf"].append(c(rsf))
            for key, kind in (("ours_cox", "cox_ph"), ("ours_boost", "boosted_cox")):
                model = estimators.fit(kind, features, x[tr], t[tr], e[tr], {})
                scores[key].append(c(model.linear_predictor(x[te])))
        mean = {k: f"{np.mean(v):.3f}" if v else "n/a" for k, v in scores.items()}
        quoted = ANCHORS.get(label, (None, None))
        print(
            f"| {label} | {len(features)} | {mean['cox']} | {mean['rsf']} | {mean['ours_cox']} "
            f"| {mean['ours_boost']} | {quoted[0] or '-'} / {quoted[1] or '-'} |",
            flush=True,
        )


def _e2854aa_calls(loaded: engine.LoadedModel, x: np.ndarray) -> None:
    """The model calls of the per-patient path as commit e2854aa made them (the baseline): a
    fresh XGBoost input matrix with default threads for every model, a prediction per model,
    then the main model's explanation."""
    import xgboost as xgb

    for model in (loaded.model, *loaded.members):
        if isinstance(model, estimators.BoostedCoxModel):
            matrix = xgb.DMatrix(x, feature_names=list(model.features))
            model._booster().predict(matrix, output_margin=True)
        else:
            model.linear_predictor(x)
    if isinstance(loaded.model, estimators.BoostedCoxModel):
        matrix = xgb.DMatrix(x, feature_names=list(loaded.model.features))
        loaded.model._booster().predict(matrix, pred_contribs=True)
    else:
        loaded.model.contributions(x)


def _calls_now(loaded: engine.LoadedModel, x: np.ndarray) -> None:
    """The model calls engine.predict makes now: every model's exact contributions (which add
    up to its log hazard), one shared single-thread input matrix."""
    estimators.explain_all((loaded.model, *loaded.members), x)


def _timed(call: Any, repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per call, sorted."""
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return sorted(wall), sorted(cpu)


def _row(label: str, wall: list[float], cpu: list[float]) -> str:
    p95 = int(len(wall) * 0.95) - 1
    return (
        f"| {label} | {statistics.median(wall):.1f} / {wall[p95]:.1f} "
        f"| {statistics.median(cpu):.1f} / {cpu[p95]:.1f} |"
    )


STAGE = ("IIA", "Stage IIA (AJCC 6th)")  # the subgroup flags read the recorded stage group too


def training_and_latency(repeats: int = 200) -> None:
    print("\n| spec | training CPU s | training wall s | artefact MB | load (parse) s |")
    print("|---|---|---|---|---|")
    loaded_models = {}
    for name in ("seer-breast-os-cox", "seer-breast-os-boosted"):
        text = resources.files("oncoboard.prediction.specs").joinpath(f"{name}.json").read_text()
        spec = TrainingSpec.model_validate(json.loads(text))
        cpu, wall = time.process_time(), time.perf_counter()
        trained = training.train(spec, datasets.load("seer_breast"), datasets.load("gbsg2"))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        canonical = training.canonical_json(trained.artefact)
        start = time.perf_counter()
        loaded = engine.LoadedModel.from_text(f"{name}@1", name, 1, "x", canonical)
        parse = time.perf_counter() - start
        loaded_models[name] = loaded
        size = len(canonical.encode()) / 1e6
        print(f"| {name} | {cpu:.1f} | {wall:.1f} | {size:.1f} | {parse:.2f} |", flush=True)

    print(
        f"\n| per patient ({repeats} calls, one row) | wall ms median / p95 | CPU ms median / p95 |"
    )
    print("|---|---|---|")
    for name, loaded in loaded_models.items():
        values = {
            f: engine.FeatureValue(v, "benchmark")
            for f, v in zip(loaded.model.features, (58.0, 32.0, 2.0, 3.0, 1.0, None), strict=True)
        }
        x = np.asarray([[58.0, 32.0, 2.0, 3.0, 1.0, 1.0]])
        members = len(loaded.members)
        calls = f"estimate + {members} refits"
        baseline = _timed(lambda loaded=loaded, x=x: _e2854aa_calls(loaded, x), repeats)
        print(_row(f"{name}: model calls, e2854aa ({calls}, then the explanation)", *baseline))
        now = _timed(lambda loaded=loaded, x=x: _calls_now(loaded, x), repeats)
        print(_row(f"{name}: model calls, now ({calls}, each explained)", *now))
        whole = _timed(
            lambda loaded=loaded, values=values: engine.predict(loaded, values, stage=STAGE),
            repeats,
        )
        print(_row(f"{name}: engine.predict, all of it (+ survival, intervals, words, flags)",
                   *whole))  # fmt: skip
        prediction = engine.predict(loaded, values, stage=STAGE)

        def first_view(prediction: PredictionOut = prediction) -> None:
            plots.contribution_plot.cache_clear()  # type: ignore[attr-defined]
            section.explanation_plot(prediction)

        plot = _timed(first_view, 20)
        print(_row(f"{name}: explanation plot as SVG, first view (page only)", *plot))
        section.explanation_plot(prediction)
        again = _timed(lambda p=prediction: section.explanation_plot(p), 20)
        print(_row(f"{name}: explanation plot as SVG, shown again (cached)", *again), flush=True)


if __name__ == "__main__":
    import sys

    if "--latency-only" not in sys.argv:
        cv_table()
    training_and_latency()
