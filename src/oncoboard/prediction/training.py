# SPDX-License-Identifier: Apache-2.0
"""The training protocol: leakage guard, sequestered hold-out, fixed-seed CV, final fit,
bootstrap refits for per-patient intervals, validation on the hold-out and an external cohort.

Pure: a spec and cohorts in, a JSON-serialisable artefact out (no database, no files).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from oncoboard import __version__
from oncoboard.errors import InputError, Problem
from oncoboard.prediction import estimators, metrics
from oncoboard.prediction.datasets import Cohort
from oncoboard.prediction.schemas import AcceptanceCriteria, TrainingSpec, ValidationReport
from oncoboard.prediction.validation import cohort_metrics, estimate, subgroup_table

# A feature that alone orders outcomes this well is treated as leaked from the outcome unless the
# data dictionary vouches for it. OncoBoard policy, not a published threshold: the strongest
# baseline predictor in the shipped cohorts (positive nodes in SEER) reaches 0.66 on its own.
LEAKAGE_SINGLE_FEATURE_C = 0.85


@dataclass(frozen=True)
class Trained:
    artefact: dict[str, Any]
    validation: ValidationReport


def code_version() -> str:
    """Package version plus a hash of this capability's source: what exactly trained the model."""
    digest = hashlib.sha256()
    root = resources.files("oncoboard.prediction")
    for name in sorted(p.name for p in root.iterdir() if p.name.endswith(".py")):
        digest.update(name.encode())
        digest.update(root.joinpath(name).read_bytes())
    return f"oncoboard {__version__} prediction-src {digest.hexdigest()[:16]}"


def leakage_guard(spec: TrainingSpec, cohort: Cohort) -> None:
    """Refuse features the dictionary does not know, outcome-derived ones, and single features
    that predict the outcome implausibly well (every problem listed, nothing trained)."""
    problems = []
    for name in spec.features:
        info = cohort.dictionary.get(name)
        if info is None:
            problems.append(
                Problem(spec.name, "features", name, name, f"a feature of {cohort.name}")
            )
        elif info.outcome_derived:
            problems.append(
                Problem(
                    spec.name,
                    "features",
                    name,
                    f"{name} ({info.coding})",
                    "a baseline fact: leakage guard refuses features derived from the outcome",
                )
            )
    if not problems:
        for name in spec.features:
            values = cohort.features[name].to_numpy(float)
            c = metrics.harrell_c(cohort.time, cohort.event, values)
            c = max(c, 1.0 - c)
            if c >= LEAKAGE_SINGLE_FEATURE_C:
                problems.append(
                    Problem(
                        spec.name,
                        "features",
                        name,
                        f"C={c:.3f} on its own",
                        f"below {LEAKAGE_SINGLE_FEATURE_C} (suspected leakage from the outcome)",
                    )
                )
    if problems:
        raise InputError(
            f"training spec {spec.name}: leakage guard refused {len(problems)} feature(s)",
            problems,
        )


def split(event: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(development, sequestered hold-out) indices, stratified by event, fixed seed."""
    rng = np.random.default_rng(seed)
    holdout = []
    for flag in (True, False):
        members = rng.permutation(np.flatnonzero(event == flag))
        holdout.append(members[: round(len(members) * fraction)])
    held = np.sort(np.concatenate(holdout))
    return np.setdiff1d(np.arange(len(event)), held), held


def folds(event: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold number per row, stratified by event, fixed seed (same folds for every model)."""
    rng = np.random.default_rng(seed + 1)
    fold = np.empty(len(event), int)
    for flag in (True, False):
        members = rng.permutation(np.flatnonzero(event == flag))
        fold[members] = np.arange(len(members)) % k
    return fold


def matrix(cohort: Cohort, features: tuple[str, ...]) -> np.ndarray:
    missing = [f for f in features if f not in cohort.features.columns]
    if missing:
        raise InputError(f"cohort {cohort.name} has no feature(s) {', '.join(missing)}")
    return cohort.features[list(features)].to_numpy(float)


def cross_validate(
    spec: TrainingSpec, x: np.ndarray, time: np.ndarray, event: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold log hazards and the fold of each row."""
    fold = folds(event, spec.cv_folds, spec.seed)
    lp = np.empty(len(time))
    params = dict(spec.hyperparameters)
    for k in range(spec.cv_folds):
        test = fold == k
        model = estimators.fit(
            spec.kind, spec.features, x[~test], time[~test], event[~test], params
        )
        lp[test] = model.linear_predictor(x[test])
    return lp, fold


def _cv_estimates(
    spec: TrainingSpec,
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
) -> tuple[Any, Any, list[float]]:
    lp, fold = cross_validate(spec, x, time, event)
    censoring = metrics.censoring_survival(time, event)

    def mean_over_folds(score: Any) -> Any:
        def statistic(i: np.ndarray) -> float:
            return float(np.mean([score(i[fold[i] == k]) for k in range(spec.cv_folds)]))

        return statistic

    def harrell(i: np.ndarray) -> float:
        return metrics.harrell_c(time[i], event[i], lp[i])

    def uno(i: np.ndarray) -> float:
        return metrics.uno_c(time[i], event[i], lp[i], censoring=censoring, tau=spec.horizon_years)

    replicates = max(20, spec.bootstrap_replicates // 4)  # CV is the costly part: fewer draws
    c_h = estimate(
        mean_over_folds(harrell), len(time), replicates=replicates, seed=spec.seed, strata=fold
    )
    c_u = estimate(
        mean_over_folds(uno), len(time), replicates=replicates, seed=spec.seed + 7, strata=fold
    )
    per_fold = [round(harrell(np.flatnonzero(fold == k)), 4) for k in range(spec.cv_folds)]
    return c_h, c_u, per_fold


def feature_ranges(features: tuple[str, ...], x: np.ndarray) -> dict[str, dict[str, float]]:
    return {
        name: {
            "min": float(np.min(x[:, j])),
            "max": float(np.max(x[:, j])),
            "median": float(np.median(x[:, j])),
            "mean": float(np.mean(x[:, j])),
        }
        for j, name in enumerate(features)
    }


def train(
    spec: TrainingSpec,
    cohort: Cohort,
    external: Cohort | None,
    *,
    acceptance: AcceptanceCriteria | None = None,
) -> Trained:
    """Run the whole protocol; deterministic for a spec and the same data files.

    ``acceptance``: the plan's subgroup policy (minimum events, gap threshold).
    """
    policy = acceptance or AcceptanceCriteria()
    leakage_guard(spec, cohort)
    x_all = matrix(cohort, spec.features)
    dev, held = split(cohort.event, spec.holdout_fraction, spec.seed)
    x, time, event = x_all[dev], cohort.time[dev], cohort.event[dev]
    cv_h, cv_u, per_fold = _cv_estimates(spec, x, time, event)
    params = dict(spec.hyperparameters)
    model = estimators.fit(spec.kind, spec.features, x, time, event, params, seed=spec.seed)
    members = _bootstrap_members(spec, x, time, event)
    censoring = metrics.censoring_survival(time, event)
    holdout = cohort_metrics(
        model,
        x_all[held],
        cohort.time[held],
        cohort.event[held],
        cohort=f"{cohort.name} sequestered hold-out",
        censoring=censoring,
        seed=spec.seed,
        horizon=spec.horizon_years,
        replicates=spec.bootstrap_replicates,
    )
    ext = None
    if external is not None and not set(spec.features) - set(external.features.columns):
        ex = matrix(external, spec.features)
        ext = cohort_metrics(
            model,
            ex,
            external.time,
            external.event,
            cohort=external.name,
            censoring=metrics.censoring_survival(external.time, external.event),
            seed=spec.seed,
            note=f"external cohort; endpoint: {external.endpoint}",
            horizon=spec.horizon_years,
            replicates=spec.bootstrap_replicates,
        )
    plan_rows = subgroup_table(
        model,
        x_all[held],
        cohort.time[held],
        cohort.event[held],
        cohort.strata.iloc[held][list(spec.subgroups or cohort.strata.columns)],
        overall_c=holdout.harrell_c.value,
        min_events=policy.min_subgroup_events,
        gap=policy.subgroup_gap,
        replicates=spec.bootstrap_replicates,
        seed=spec.seed,
    )
    report = ValidationReport(
        horizon_years=spec.horizon_years,
        cv_harrell_c=cv_h,
        cv_uno_c=cv_u,
        cv_fold_c=per_fold,
        holdout=holdout,
        external=ext,
        subgroups=plan_rows,
    )
    artefact = {
        "format": "oncoboard-survival-model/1",
        "spec": spec.model_dump(mode="json"),
        "model": model.to_json(),
        "members": [m.to_json() for m in members],
        "training_data": {
            "dataset": cohort.name,
            "title": cohort.title,
            "citation": cohort.citation,
            "endpoint": cohort.endpoint,
            "source_file": cohort.source_file,
            "sha256": cohort.sha256,
            "n_total": len(cohort),
            "n_development": len(dev),
            "events_development": int(event.sum()),
            "n_holdout": len(held),
            "dictionary": {f: vars(cohort.dictionary[f]) for f in spec.features},
        },
        "external_data": None
        if external is None
        else {"dataset": external.name, "sha256": external.sha256, "endpoint": external.endpoint},
        "feature_ranges": feature_ranges(spec.features, x),
        "code_version": code_version(),
        "validation": report.model_dump(mode="json"),
    }
    return Trained(artefact=artefact, validation=report)


def _bootstrap_members(
    spec: TrainingSpec, x: np.ndarray, time: np.ndarray, event: np.ndarray
) -> list[estimators.SurvivalModel]:
    """Refits on resampled development data: the spread of a patient's prediction across them
    is the 95 % interval shown with it (estimation uncertainty of the model)."""
    rng = np.random.default_rng(spec.seed + 99)
    found = []
    for r in range(spec.interval_replicates):
        i = rng.integers(0, len(time), len(time))
        found.append(
            estimators.fit(
                spec.kind,
                spec.features,
                x[i],
                time[i],
                event[i],
                dict(spec.hyperparameters),
                seed=spec.seed + r,
            )
        )
    return found


def canonical_json(artefact: dict[str, Any]) -> str:
    return json.dumps(artefact, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def artefact_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
