# SPDX-License-Identifier: Apache-2.0
"""The two model kinds: Cox proportional hazards (numpy) and gradient-boosted Cox trees (XGBoost).

Both predict a log relative hazard ``lp`` and share a Breslow baseline cumulative hazard, so
S(t | x) = exp(-H0(t) exp(lp)). Both explain a prediction exactly and fast: the Cox model as
beta_j (x_j - mean_j) (additive by construction), the trees by XGBoost's TreeSHAP
(``pred_contribs``; Lundberg et al., Nat Mach Intell 2020;2:56-67), which sum to ``lp``.

Serialised as JSON only (the trees in XGBoost's own JSON model format): nothing is unpickled.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from oncoboard.errors import InputError


@dataclass(frozen=True)
class Baseline:
    """Breslow baseline cumulative hazard at the distinct event times (years)."""

    times: np.ndarray
    cumhaz: np.ndarray

    def at(self, when: np.ndarray | float) -> np.ndarray:
        index = np.searchsorted(self.times, np.asarray(when, float), side="right") - 1
        return np.where(index >= 0, self.cumhaz[np.clip(index, 0, None)], 0.0)

    def to_json(self) -> dict[str, list[float]]:
        return {"times": [round(float(t), 6) for t in self.times], "cumhaz": self.cumhaz.tolist()}

    @classmethod
    def from_json(cls, data: dict[str, list[float]]) -> Baseline:
        return cls(np.asarray(data["times"], float), np.asarray(data["cumhaz"], float))


def breslow(time: np.ndarray, event: np.ndarray, lp: np.ndarray) -> Baseline:
    """H0(t) = sum over event times <= t of d_k / sum_{j at risk} exp(lp_j)."""
    order = np.argsort(time, kind="stable")
    t, e, risk = time[order], event[order].astype(float), np.exp(lp[order])
    unique, first = np.unique(t, return_index=True)
    deaths = np.add.reduceat(e, first)
    at_risk = np.cumsum(risk[::-1])[::-1][first]
    keep = deaths > 0
    return Baseline(unique[keep], np.cumsum(deaths[keep] / at_risk[keep]))


class SurvivalModel(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def features(self) -> tuple[str, ...]: ...

    @property
    def baseline(self) -> Baseline: ...

    def linear_predictor(self, x: np.ndarray) -> np.ndarray: ...

    def contributions(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def to_json(self) -> dict[str, Any]: ...


def survival_at(model: SurvivalModel, lp: np.ndarray, when: float) -> np.ndarray:
    return np.exp(-model.baseline.at(when) * np.exp(lp))


# ---------------------------------------------------------------- Cox PH (Breslow ties, ridge)
def _cox_derivatives(
    x: np.ndarray, first: np.ndarray, deaths: np.ndarray, xsum_events: np.ndarray, beta: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    eta = x @ beta
    shift = eta.max()
    w = np.exp(eta - shift)
    s0 = np.cumsum(w[::-1])[::-1][first]
    s1 = np.cumsum((w[:, None] * x)[::-1], axis=0)[::-1][first]
    s2 = np.cumsum((w[:, None, None] * x[:, :, None] * x[:, None, :])[::-1], axis=0)[::-1][first]
    mean = s1 / s0[:, None]
    loglik = float(xsum_events @ beta - (deaths * (np.log(s0) + shift)).sum())
    gradient = xsum_events - (deaths[:, None] * mean).sum(axis=0)
    cov = s2 / s0[:, None, None] - mean[:, :, None] * mean[:, None, :]
    hessian = (deaths[:, None, None] * cov).sum(axis=0)
    return loglik, gradient, hessian


def fit_cox(
    x: np.ndarray, time: np.ndarray, event: np.ndarray, *, penalizer: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Newton-Raphson on the Breslow partial likelihood minus 0.5 * penalizer * ||beta||^2.

    Returns (beta, inverse information); the covariates are centred, beta is on their scale.
    """
    order = np.argsort(time, kind="stable")
    xs, t, e = x[order], time[order], event[order].astype(float)
    unique, first = np.unique(t, return_index=True)
    deaths = np.add.reduceat(e, first)
    xsum_events = (xs * e[:, None]).sum(axis=0)
    beta = np.zeros(x.shape[1])
    objective: float = -np.inf
    for _ in range(100):
        loglik, gradient, hessian = _cox_derivatives(xs, first, deaths, xsum_events, beta)
        objective = float(loglik - 0.5 * penalizer * beta @ beta)
        gradient = gradient - penalizer * beta
        information = hessian + penalizer * np.eye(len(beta))
        step = np.linalg.solve(information, gradient)
        scale = 1.0
        while scale > 1e-4:  # step halving keeps every iteration an ascent
            trial = beta + scale * step
            value = _cox_derivatives(xs, first, deaths, xsum_events, trial)[0]
            if value - 0.5 * penalizer * trial @ trial >= objective - 1e-12:
                break
            scale /= 2
        beta = beta + scale * step
        if np.max(np.abs(scale * step)) < 1e-9:
            break
    _, _, hessian = _cox_derivatives(xs, first, deaths, xsum_events, beta)
    del unique
    return beta, np.linalg.inv(hessian + penalizer * np.eye(len(beta)))


@dataclass(frozen=True)
class CoxModel:
    features: tuple[str, ...]
    beta: np.ndarray
    means: np.ndarray
    baseline: Baseline
    kind: str = "cox_ph"

    @classmethod
    def fit(
        cls,
        features: tuple[str, ...],
        x: np.ndarray,
        time: np.ndarray,
        event: np.ndarray,
        params: dict[str, Any],
    ) -> CoxModel:
        means = x.mean(axis=0)
        beta, _ = fit_cox(x - means, time, event, penalizer=float(params.get("penalizer", 0.0)))
        lp = (x - means) @ beta
        return cls(features, beta, means, breslow(time, event, lp))

    def linear_predictor(self, x: np.ndarray) -> np.ndarray:
        return np.asarray((x - self.means) @ self.beta)

    def contributions(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-feature terms beta_j (x_j - mean_j) and the base (0: the average patient)."""
        return (x - self.means) * self.beta, np.zeros(len(x))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "features": list(self.features),
            "beta": self.beta.tolist(),
            "means": self.means.tolist(),
            "baseline": self.baseline.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CoxModel:
        return cls(
            tuple(data["features"]),
            np.asarray(data["beta"], float),
            np.asarray(data["means"], float),
            Baseline.from_json(data["baseline"]),
        )


# ------------------------------------------------------- gradient-boosted Cox trees (XGBoost)
BOOSTING_DEFAULTS: dict[str, Any] = {
    "rounds": 300,
    "eta": 0.03,
    "max_depth": 2,
    "subsample": 0.8,
    "min_child_weight": 5.0,
    "reg_lambda": 1.0,
}


@dataclass(frozen=True)
class BoostedCoxModel:
    features: tuple[str, ...]
    booster_json: str  # XGBoost's own JSON model format
    baseline: Baseline
    kind: str = "boosted_cox"

    @classmethod
    def fit(
        cls,
        features: tuple[str, ...],
        x: np.ndarray,
        time: np.ndarray,
        event: np.ndarray,
        params: dict[str, Any],
        seed: int = 0,
    ) -> BoostedCoxModel:
        import xgboost as xgb

        merged = {**BOOSTING_DEFAULTS, **params}
        label = np.where(event, time, -time)  # XGBoost's survival:cox convention
        train = xgb.DMatrix(x, label=label, feature_names=list(features))
        booster = xgb.train(
            {
                "objective": "survival:cox",
                "eta": float(merged["eta"]),
                "max_depth": int(merged["max_depth"]),
                "subsample": float(merged["subsample"]),
                "min_child_weight": float(merged["min_child_weight"]),
                "lambda": float(merged["reg_lambda"]),
                "nthread": 1,
                "seed": seed,
                "tree_method": "exact",
            },
            train,
            num_boost_round=int(merged["rounds"]),
        )
        text = bytes(booster.save_raw("json")).decode("utf-8")
        model = cls(features, text, Baseline(np.zeros(0), np.zeros(0)))
        lp = model.linear_predictor(x)
        return cls(features, text, breslow(time, event, lp))

    def _booster(self) -> Any:
        import xgboost as xgb

        cached = _BOOSTERS.get(id(self))
        if cached is None or cached[0] is not self:
            booster = xgb.Booster(params={"nthread": 1})
            booster.load_model(bytearray(self.booster_json.encode("utf-8")))
            cached = (self, booster)
            _BOOSTERS[id(self)] = cached
        return cached[1]

    def matrix(self, x: np.ndarray) -> Any:
        """XGBoost's input for ``x``, built on one thread (building it is the costly part of a
        one-row prediction: share it across models with the same features)."""
        import xgboost as xgb

        return xgb.DMatrix(x, feature_names=list(self.features), nthread=1)

    def linear_predictor(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._booster().predict(self.matrix(x), output_margin=True), float)

    def contributions(self, x: np.ndarray, matrix: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Exact TreeSHAP values per feature and the base value (expected margin); ``matrix``:
        ``self.matrix(x)`` built once by the caller for several models."""
        given = matrix if matrix is not None else self.matrix(x)
        values = np.asarray(self._booster().predict(given, pred_contribs=True), float)
        return values[:, :-1], values[:, -1]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "features": list(self.features),
            "booster": json.loads(self.booster_json),
            "baseline": self.baseline.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BoostedCoxModel:
        text = json.dumps(data["booster"], separators=(",", ":"))
        return cls(tuple(data["features"]), text, Baseline.from_json(data["baseline"]))


_BOOSTERS: dict[int, tuple[BoostedCoxModel, Any]] = {}
KINDS = ("cox_ph", "boosted_cox")


def explain_all(
    models: Sequence[SurvivalModel], x: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Contributions and base of several models (a model and its bootstrap refits) for the same
    rows; tree models share one input matrix instead of building one each."""
    shared = None
    found = []
    for model in models:
        if isinstance(model, BoostedCoxModel):
            shared = shared if shared is not None else model.matrix(x)
            found.append(model.contributions(x, shared))
        else:
            found.append(model.contributions(x))
    return found


def fit(
    kind: str,
    features: tuple[str, ...],
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    params: dict[str, Any],
    seed: int = 0,
) -> SurvivalModel:
    if kind == "cox_ph":
        return CoxModel.fit(features, x, time, event, params)
    if kind == "boosted_cox":
        return BoostedCoxModel.fit(features, x, time, event, params, seed)
    raise InputError(f"model kind {kind!r}: expected one of {', '.join(KINDS)}")


def from_json(data: dict[str, Any]) -> SurvivalModel:
    if data.get("kind") == "cox_ph":
        return CoxModel.from_json(data)
    if data.get("kind") == "boosted_cox":
        return BoostedCoxModel.from_json(data)
    raise InputError(f"model artefact kind {data.get('kind')!r}: expected one of {KINDS}")
