# SPDX-License-Identifier: Apache-2.0
"""Survival-model metrics on numpy, checked in tests against scikit-survival and lifelines.

- Harrell's C (Harrell et al., Stat Med 1996;15:361-387): comparable pairs, risk ties count 1/2.
- Uno's C (Uno et al., Stat Med 2011;30:1105-1117): Harrell's with inverse-probability-of-
  censoring weights G(T_i)^-2, truncated at ``tau``; G is the Kaplan-Meier of the censoring in
  the training data.
- Cumulative/dynamic AUC at t (Uno et al., JASA 2007; Hung & Chiang 2010): cases T<=t with an
  event (weight 1/G(T_i)), controls T>t.
- Brier score at t with IPCW (Graf et al., Stat Med 1999;18:2529-2545).
- Calibration at a horizon (Crowson et al., Stat Methods Med Res 2016;25:1692-1706): Poisson
  regression of events on the expected cumulative hazard; intercept 0 and slope 1 are ideal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ROW_CHUNK = 1024


def kaplan_meier(
    time: np.ndarray, event: np.ndarray, *, reverse: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct times and the survival just after each (right-continuous step function).

    ``reverse``: the censoring distribution; at a time shared with events the events come first
    and leave the risk set (the convention scikit-survival documents for its reverse estimator).
    """
    order = np.argsort(time, kind="stable")
    t, e = time[order], event[order].astype(float)
    unique, first = np.unique(t, return_index=True)
    deaths = np.add.reduceat(e, first)
    at_risk = (len(t) - first).astype(float)
    if reverse:
        counts = np.diff(np.append(first, len(t)))
        at_risk, deaths = at_risk - deaths, counts - deaths
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(np.where(at_risk > 0, 1.0 - deaths / at_risk, 1.0))
    keep = deaths > 0
    return unique[keep], surv[keep]


def step_at(times: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """A right-continuous step function (1 before the first time) evaluated at ``query``."""
    index = np.searchsorted(times, query, side="right") - 1
    return np.where(index >= 0, values[np.clip(index, 0, None)], 1.0)


def censoring_survival(
    train_time: np.ndarray, train_event: np.ndarray
) -> Callable[[np.ndarray], np.ndarray]:
    """G(t) = P(C > t), the Kaplan-Meier of the censoring times (events count as censored)."""
    times, surv = kaplan_meier(train_time, train_event.astype(bool), reverse=True)
    return lambda query: step_at(times, surv, np.asarray(query, float))


def _pairs(
    time: np.ndarray, event: np.ndarray, risk: np.ndarray, weight: np.ndarray, tau: float
) -> tuple[float, float]:
    """Weighted concordant and comparable pair sums (i: the earlier event)."""
    concordant = comparable = 0.0
    rows = np.flatnonzero(event & (time < tau))
    for start in range(0, len(rows), ROW_CHUNK):
        i = rows[start : start + ROW_CHUNK]
        later = (time[None, :] > time[i, None]) | (
            (time[None, :] == time[i, None]) & ~event[None, :]
        )
        w = weight[i, None] * later
        diff = risk[i, None] - risk[None, :]
        concordant += float((w * ((diff > 0) + 0.5 * (diff == 0))).sum())
        comparable += float(w.sum())
    return concordant, comparable


def harrell_c(time: np.ndarray, event: np.ndarray, risk: np.ndarray) -> float:
    """Harrell's concordance: higher risk should mean earlier event."""
    event = event.astype(bool)
    concordant, comparable = _pairs(time, event, risk, np.ones(len(time)), np.inf)
    return concordant / comparable if comparable else float("nan")


def uno_c(
    time: np.ndarray,
    event: np.ndarray,
    risk: np.ndarray,
    *,
    censoring: Callable[[np.ndarray], np.ndarray],
    tau: float,
) -> float:
    """Uno's IPCW concordance truncated at ``tau`` (censoring: from :func:`censoring_survival`)."""
    event = event.astype(bool)
    g = censoring(time)
    weight = np.where(event & (g > 0), 1.0 / np.maximum(g, 1e-12) ** 2, 0.0)
    concordant, comparable = _pairs(time, event, risk, weight, tau)
    return concordant / comparable if comparable else float("nan")


def cumulative_dynamic_auc(
    time: np.ndarray,
    event: np.ndarray,
    risk: np.ndarray,
    *,
    censoring: Callable[[np.ndarray], np.ndarray],
    at: float,
) -> float:
    """AUC(t): cases died by ``at`` (IPC-weighted), controls still at risk after ``at``."""
    event = event.astype(bool)
    cases = event & (time <= at)
    controls = time > at
    if not cases.any() or not controls.any():
        return float("nan")
    weight = 1.0 / np.maximum(censoring(time[cases]), 1e-12)
    diff = risk[cases][:, None] - risk[controls][None, :]
    score = ((diff > 0) + 0.5 * (diff == 0)).mean(axis=1)
    return float((weight * score).sum() / weight.sum())


def brier(
    time: np.ndarray,
    event: np.ndarray,
    survival_at: np.ndarray,
    *,
    censoring: Callable[[np.ndarray], np.ndarray],
    at: float,
) -> float:
    """IPCW Brier score of predicted survival probabilities at ``at`` (lower is better)."""
    event = event.astype(bool)
    died = event & (time <= at)
    alive = time > at
    g_died = np.maximum(censoring(time), 1e-12)
    g_at = max(float(censoring(np.array([at]))[0]), 1e-12)
    score = np.where(died, survival_at**2 / g_died, 0.0)
    score += np.where(alive, (1.0 - survival_at) ** 2 / g_at, 0.0)
    return float(score.mean())


@dataclass(frozen=True)
class Calibration:
    intercept: float  # log(observed / expected events) up to the horizon; 0 is ideal
    slope: float  # 1 is ideal; < 1: predictions too extreme
    observed_expected: float


def _poisson_fit(
    y: np.ndarray, offset: np.ndarray, x: np.ndarray | None, iterations: int = 50
) -> np.ndarray:
    """Poisson GLM (log link) by Newton-Raphson: intercept and, if ``x``, one slope."""
    design = np.ones((len(y), 1)) if x is None else np.column_stack([np.ones(len(y)), x])
    beta = np.zeros(design.shape[1])
    beta[0] = np.log(max(y.sum(), 1e-9) / max(np.exp(offset).sum(), 1e-12))
    for _ in range(iterations):
        mu = np.exp(np.clip(design @ beta + offset, -50, 50))
        gradient = design.T @ (y - mu)
        hessian = design.T @ (design * mu[:, None])
        step = np.linalg.solve(hessian + 1e-12 * np.eye(len(beta)), gradient)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


def calibration(
    time: np.ndarray,
    event: np.ndarray,
    cumulative_hazard: np.ndarray,
    linear_predictor: np.ndarray,
) -> Calibration:
    """Crowson et al. 2016: events ~ Poisson(e_i), e_i the expected cumulative hazard at the
    (horizon-truncated) follow-up; intercept with offset log e, slope on lp with offset log H0."""
    y = event.astype(float)
    expected = np.maximum(cumulative_hazard, 1e-12)
    log_e = np.log(expected)
    (intercept,) = _poisson_fit(y, log_e, None)
    _, slope = _poisson_fit(y, log_e - linear_predictor, linear_predictor)
    return Calibration(float(intercept), float(slope), float(y.sum() / expected.sum()))


def calibration_groups(
    time: np.ndarray, event: np.ndarray, predicted_risk: np.ndarray, at: float, groups: int = 5
) -> list[tuple[float, float, int]]:
    """(mean predicted risk, Kaplan-Meier observed risk at ``at``, n) per risk quantile group."""
    edges = np.quantile(predicted_risk, np.linspace(0, 1, groups + 1))
    index = np.clip(np.searchsorted(edges, predicted_risk, side="right") - 1, 0, groups - 1)
    found = []
    for g in range(groups):
        member = index == g
        if member.sum() < 2:
            continue
        times, surv = kaplan_meier(time[member], event[member])
        observed = 1.0 - float(step_at(times, surv, np.array([at]))[0])
        found.append((float(predicted_risk[member].mean()), observed, int(member.sum())))
    return found


def bootstrap_interval(
    statistic: Callable[[np.ndarray], float],
    n: int,
    *,
    replicates: int,
    seed: int,
    strata: np.ndarray | None = None,
) -> tuple[float, float]:
    """Percentile 95 % interval of ``statistic(indices)`` over resamples of 0..n-1."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(replicates):
        if strata is None:
            indices = rng.integers(0, n, n)
        else:  # resample within each stratum (e.g. each CV fold)
            indices = np.concatenate(
                [
                    rng.choice(np.flatnonzero(strata == s), (strata == s).sum())
                    for s in np.unique(strata)
                ]
            )
        value = statistic(indices)
        if np.isfinite(value):
            values.append(value)
    if len(values) < max(10, replicates // 2):
        return float("nan"), float("nan")
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)
