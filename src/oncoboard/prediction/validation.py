# SPDX-License-Identifier: Apache-2.0
"""Metrics with bootstrap 95 % intervals for one cohort part, and the subgroup table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from oncoboard.prediction import metrics
from oncoboard.prediction.estimators import SurvivalModel, survival_at
from oncoboard.prediction.schemas import CohortMetrics, Estimate, SubgroupRow

Censoring = Callable[[np.ndarray], np.ndarray]


def estimate(
    statistic: Callable[[np.ndarray], float],
    n: int,
    *,
    replicates: int,
    seed: int,
    strata: np.ndarray | None = None,
) -> Estimate:
    value = statistic(np.arange(n))
    low, high = metrics.bootstrap_interval(
        statistic, n, replicates=replicates, seed=seed, strata=strata
    )
    return Estimate(value=round(value, 4), low=round(low, 4), high=round(high, 4))


def cohort_metrics(
    model: SurvivalModel,
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    *,
    cohort: str,
    censoring: Censoring,
    horizon: float,
    replicates: int,
    seed: int,
    note: str | None = None,
) -> CohortMetrics:
    """Discrimination, overall accuracy and calibration at ``horizon`` on unseen patients."""
    lp = model.linear_predictor(x)
    surv = survival_at(model, lp, horizon)
    follow = np.minimum(time, horizon)
    died = event & (time <= horizon)
    cumhaz = model.baseline.at(follow) * np.exp(lp)
    h0 = np.maximum(model.baseline.at(follow), 1e-12)

    def cal(i: np.ndarray) -> metrics.Calibration:
        return metrics.calibration(follow[i], died[i], cumhaz[i], lp[i])

    def ci(statistic: Callable[[np.ndarray], float], offset: int) -> Estimate:
        return estimate(statistic, len(time), replicates=replicates, seed=seed + offset)

    del h0
    return CohortMetrics(
        cohort=cohort,
        n=len(time),
        events=int(event.sum()),
        harrell_c=ci(lambda i: metrics.harrell_c(time[i], event[i], lp[i]), 1),
        uno_c=ci(
            lambda i: metrics.uno_c(time[i], event[i], lp[i], censoring=censoring, tau=horizon), 2
        ),
        auc_at_horizon=ci(
            lambda i: metrics.cumulative_dynamic_auc(
                time[i], event[i], lp[i], censoring=censoring, at=horizon
            ),
            3,
        ),
        brier_at_horizon=ci(
            lambda i: metrics.brier(time[i], event[i], surv[i], censoring=censoring, at=horizon),
            4,
        ),
        calibration_slope=ci(lambda i: cal(i).slope, 5),
        calibration_intercept=ci(lambda i: cal(i).intercept, 6),
        observed_expected=round(cal(np.arange(len(time))).observed_expected, 4),
        calibration_groups=[
            (round(p, 4), round(o, 4), n)
            for p, o, n in metrics.calibration_groups(time, event, 1.0 - surv, horizon)
        ],
        note=note,
    )


def subgroup_table(
    model: SurvivalModel,
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    strata: pd.DataFrame,
    *,
    overall_c: float,
    min_events: int,
    gap: float,
    replicates: int,
    seed: int,
) -> list[SubgroupRow]:
    """Per level of each subgroup variable: C with interval, or "too few events" (no number)."""
    lp = model.linear_predictor(x)
    rows = []
    for variable in strata.columns:
        labels = strata[variable].to_numpy(str)
        for level in sorted(set(labels)):
            member = labels == level
            rows.append(
                _subgroup_row(
                    variable,
                    level,
                    time[member],
                    event[member],
                    lp[member],
                    overall_c=overall_c,
                    min_events=min_events,
                    gap=gap,
                    replicates=replicates,
                    seed=seed,
                )
            )
    return rows


def _subgroup_row(
    variable: str,
    level: str,
    time: np.ndarray,
    event: np.ndarray,
    lp: np.ndarray,
    *,
    overall_c: float,
    min_events: int,
    gap: float,
    replicates: int,
    seed: int,
) -> SubgroupRow:
    events = int(event.sum())
    if events < min_events:
        return SubgroupRow(
            variable=variable,
            level=level,
            n=len(time),
            events=events,
            status="too_few_events",
            note=f"too few events to estimate ({events} < {min_events}): performance unknown",
        )
    c = estimate(
        lambda i: metrics.harrell_c(time[i], event[i], lp[i]),
        len(time),
        replicates=replicates,
        seed=seed,
    )
    drop = overall_c - c.value
    flagged = drop > gap
    note = (
        f"C {drop:.3f} below the overall {overall_c:.3f} (gap threshold {gap:.2f})"
        if flagged
        else f"within {gap:.2f} of the overall C {overall_c:.3f}"
    )
    return SubgroupRow(
        variable=variable,
        level=level,
        n=len(time),
        events=events,
        harrell_c=c,
        status="gap" if flagged else "ok",
        note=note,
    )


def subgroup_summary(rows: list[dict[str, Any]], *, overall_c: float) -> list[dict[str, Any]]:
    """Per subgroup variable, the between-level spread of C as fairlearn's ``MetricFrame``
    reports it (group minimum, maximum, difference, ratio) over the levels with a number; the
    levels with too few events are listed, never counted, and the flagged levels named."""
    summary = []
    for variable in dict.fromkeys(r["variable"] for r in rows):
        group = [r for r in rows if r["variable"] == variable]
        rated = sorted(
            ((r["harrell_c"]["value"], r["level"]) for r in group if r["harrell_c"]),
            key=lambda cl: cl[0],
        )
        spread: dict[str, Any] = {"min": None, "max": None, "difference": None, "ratio": None}
        if rated:
            (low, low_level), (high, high_level) = rated[0], rated[-1]
            spread = {
                "min": {"level": low_level, "c": low},
                "max": {"level": high_level, "c": high},
                "difference": round(high - low, 4),
                "ratio": round(low / high, 4),
                "largest_drop": round(overall_c - low, 4),
            }
        summary.append(
            {
                "variable": variable,
                "levels": len(group),
                "rated": len(rated),
                "too_few_events": [r["level"] for r in group if r["status"] == "too_few_events"],
                "flagged": [r["level"] for r in group if r["status"] == "gap"],
                "largest_drop": None,
                **spread,
            }
        )
    return summary
