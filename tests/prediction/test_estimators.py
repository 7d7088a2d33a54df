# SPDX-License-Identifier: Apache-2.0
"""Explanations are exact: TreeSHAP from XGBoost against a brute-force Shapley computation written
here from the definition (path-dependent conditional expectations over every feature subset)."""

from __future__ import annotations

import json
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
import pytest

from oncoboard.prediction import datasets, estimators

FEATURES = ("age_years", "tumour_size_mm", "grade", "positive_nodes")


def _expectation(tree: pd.DataFrame, row: np.ndarray, known: set[int], node: str) -> float:
    """E[tree(x) | x_S]: follow known features, average unknown splits by training cover."""
    current = tree.loc[node]
    if current["Feature"] == "Leaf":
        return float(current["Gain"])
    j = FEATURES.index(current["Feature"])
    if j in known:
        nxt = current["Yes"] if row[j] < current["Split"] else current["No"]
        return _expectation(tree, row, known, nxt)
    yes, no = tree.loc[current["Yes"]], tree.loc[current["No"]]
    total = yes["Cover"] + no["Cover"]
    return (
        yes["Cover"] * _expectation(tree, row, known, current["Yes"])
        + no["Cover"] * _expectation(tree, row, known, current["No"])
    ) / total


def _shapley(trees: list[pd.DataFrame], row: np.ndarray) -> np.ndarray:
    m = len(FEATURES)

    def value(subset: set[int]) -> float:
        return sum(_expectation(t, row, subset, t.index[0]) for t in trees)

    phi = np.zeros(m)
    for i in range(m):
        others = [j for j in range(m) if j != i]
        for size in range(m):
            weight = factorial(size) * factorial(m - size - 1) / factorial(m)
            for subset in combinations(others, size):
                phi[i] += weight * (value({*subset, i}) - value(set(subset)))
    return phi


def test_tree_contributions_equal_brute_force_shapley_values() -> None:
    seer = datasets.load("seer_breast")
    x = seer.features[list(FEATURES)].to_numpy(float)[:1500]
    model = estimators.BoostedCoxModel.fit(
        FEATURES, x, seer.time[:1500], seer.event[:1500], {"rounds": 6, "max_depth": 2}
    )
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(bytearray(model.booster_json.encode()))
    frame = booster.trees_to_dataframe()
    trees = [t.set_index("ID") for _, t in frame.groupby("Tree", sort=True)]
    rows = x[[0, 7, 42]]
    phi, base = model.contributions(rows)
    for k, row in enumerate(rows):
        assert np.allclose(phi[k], _shapley(trees, row), atol=1e-5)
    # local accuracy: contributions + base = the model's log hazard
    assert np.allclose(phi.sum(axis=1) + base, model.linear_predictor(rows), atol=1e-5)


def test_cox_contributions_add_up_and_the_artefact_round_trips_as_json() -> None:
    gbsg2 = datasets.load("gbsg2")
    x = gbsg2.features[list(FEATURES)].to_numpy(float)
    model = estimators.CoxModel.fit(FEATURES, x, gbsg2.time, gbsg2.event, {})
    phi, base = model.contributions(x[:5])
    assert np.allclose(phi.sum(axis=1) + base, model.linear_predictor(x[:5]))
    again = estimators.from_json(json.loads(json.dumps(model.to_json())))
    assert np.allclose(again.linear_predictor(x), model.linear_predictor(x))
    boosted = estimators.BoostedCoxModel.fit(FEATURES, x, gbsg2.time, gbsg2.event, {"rounds": 20})
    restored = estimators.from_json(json.loads(json.dumps(boosted.to_json())))
    assert np.allclose(restored.linear_predictor(x), boosted.linear_predictor(x))
    with pytest.raises(ValueError, match="model artefact kind 'pickle'"):
        estimators.from_json({"kind": "pickle"})
