# SPDX-License-Identifier: Apache-2.0
"""Metrics and the Cox fit against independent implementations (scikit-survival, lifelines)
on the real cohorts the models are trained on."""

from __future__ import annotations

import numpy as np
import pytest

from oncoboard.prediction import datasets, estimators, metrics

sksurv_metrics = pytest.importorskip("sksurv.metrics")
sksurv_util = pytest.importorskip("sksurv.util")


@pytest.fixture(scope="module")
def gbsg2() -> datasets.Cohort:
    return datasets.load("gbsg2")


def _halves(n: int) -> tuple[np.ndarray, np.ndarray]:
    train = np.arange(n) % 2 == 0
    return train, ~train


def test_cohorts_load_offline_with_their_documented_shape() -> None:
    seer, metabric, gbsg2 = (datasets.load(n) for n in ("seer_breast", "metabric", "gbsg2"))
    assert (len(seer), seer.events) == (4024, 616)  # Teng 2019: 4,024 women, 616 deaths
    assert (len(metabric), metabric.events) == (1904, 1103)  # 801 censored (42.06 %)
    assert (len(gbsg2), gbsg2.events) == (686, 299)
    assert seer.features["grade"].isin([1, 2, 3, 4]).all()
    assert gbsg2.time.max() < 8 and seer.time.max() < 9  # years
    assert len({seer.sha256, metabric.sha256, gbsg2.sha256}) == 3


def test_harrell_c_equals_scikit_survival_and_lifelines(gbsg2: datasets.Cohort) -> None:
    from lifelines.utils import concordance_index

    risk = gbsg2.features["positive_nodes"].to_numpy() + 0.01 * gbsg2.features["tumour_size_mm"]
    ours = metrics.harrell_c(gbsg2.time, gbsg2.event, risk.to_numpy())
    theirs = sksurv_metrics.concordance_index_censored(gbsg2.event, gbsg2.time, risk)[0]
    assert ours == pytest.approx(theirs, abs=1e-12)
    assert ours == pytest.approx(1 - concordance_index(gbsg2.time, risk, gbsg2.event), abs=1e-12)


def test_ipcw_metrics_equal_scikit_survival(gbsg2: datasets.Cohort) -> None:
    t, e = gbsg2.time, gbsg2.event
    risk = gbsg2.features["positive_nodes"].to_numpy(float)
    train, test = _halves(len(t))
    y = sksurv_util.Surv.from_arrays(e, t)
    g = metrics.censoring_survival(t[train], e[train])
    uno = metrics.uno_c(t[test], e[test], risk[test], censoring=g, tau=5.0)
    assert uno == pytest.approx(
        sksurv_metrics.concordance_index_ipcw(y[train], y[test], risk[test], tau=5.0)[0], abs=1e-9
    )
    auc = metrics.cumulative_dynamic_auc(t[test], e[test], risk[test], censoring=g, at=3.0)
    expected_auc = sksurv_metrics.cumulative_dynamic_auc(y[train], y[test], risk[test], [3.0])[0]
    assert auc == pytest.approx(float(expected_auc[0]), abs=1e-9)
    surv = np.exp(-0.05 * risk[test])
    brier = metrics.brier(t[test], e[test], surv, censoring=g, at=3.0)
    expected = sksurv_metrics.brier_score(y[train], y[test], surv, [3.0])[1][0]
    assert brier == pytest.approx(float(expected), abs=1e-9)


def test_cox_fit_equals_scikit_survival_breslow(gbsg2: datasets.Cohort) -> None:
    from sksurv.linear_model import CoxPHSurvivalAnalysis

    features = ("age_years", "tumour_size_mm", "grade", "positive_nodes", "er_fmol", "pr_fmol")
    x = gbsg2.features[list(features)].to_numpy(float)
    y = sksurv_util.Surv.from_arrays(gbsg2.event, gbsg2.time)
    for penalty in (0.0, 0.5):
        theirs = CoxPHSurvivalAnalysis(ties="breslow", alpha=penalty).fit(x, y)
        ours = estimators.CoxModel.fit(features, x, gbsg2.time, gbsg2.event, {"penalizer": penalty})
        assert np.allclose(ours.beta, theirs.coef_, atol=1e-6)
    # Breslow baseline: the same survival curve for the same patient
    s_theirs = theirs.predict_survival_function(x[:1])[0](3.0)
    s_ours = estimators.survival_at(ours, ours.linear_predictor(x[:1]), 3.0)[0]
    assert s_ours == pytest.approx(s_theirs, abs=1e-6)


def test_calibration_slope_is_one_and_intercept_zero_for_the_data_generating_model() -> None:
    rng = np.random.default_rng(7)
    n = 4000
    lp = rng.normal(0, 0.8, n)
    hazard = 0.1 * np.exp(lp)  # exponential: H(t) = 0.1 t exp(lp)
    event_time = rng.exponential(1 / hazard)
    censor = rng.uniform(0, 10, n)
    time, event = np.minimum(event_time, censor), event_time <= censor
    follow = np.minimum(time, 5.0)
    died = event & (time <= 5.0)
    good = metrics.calibration(follow, died, 0.1 * follow * np.exp(lp), lp)
    assert good.slope == pytest.approx(1.0, abs=0.08) and abs(good.intercept) < 0.08
    overfit = metrics.calibration(follow, died, 0.1 * follow * np.exp(2 * lp), 2 * lp)
    assert overfit.slope == pytest.approx(0.5, abs=0.05)  # too extreme: slope below 1


def test_calibration_fit_matches_scipy_optimiser() -> None:
    from scipy.optimize import minimize

    rng = np.random.default_rng(3)
    lp = rng.normal(0, 1, 500)
    expected = np.exp(rng.normal(-1, 0.5, 500) + lp)
    y = (rng.uniform(size=500) < 1 - np.exp(-expected * 1.3)).astype(float)
    result = metrics.calibration(np.ones(500), y, expected, lp)

    def nll(p: np.ndarray) -> float:
        eta = p[0] + p[1] * lp + np.log(expected) - lp
        return float(np.sum(np.exp(eta) - y * eta))

    _, b = minimize(
        nll, [0.0, 1.0], method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10}
    ).x
    assert result.slope == pytest.approx(b, abs=1e-4)
