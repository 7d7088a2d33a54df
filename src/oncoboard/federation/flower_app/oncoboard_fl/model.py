# SPDX-License-Identifier: Apache-2.0
"""L2-regularised logistic regression by full-batch gradient descent, in numpy only.

The same code trains at each site (inside Flower's ClientApp, in the sidecar environment) and
on the pooled rows (in OncoBoard's environment), so the comparison is of training regimes, not
of implementations. Weights are one vector: a bias, then one weight per feature.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Vector = NDArray[np.float64]


def with_bias(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.hstack([np.ones((x.shape[0], 1)), x])


def predict(weights: Vector, x: NDArray[np.float64]) -> Vector:
    z = np.clip(with_bias(x) @ weights, -30, 30)
    return 1.0 / (1.0 + np.exp(-z))


def fit(
    weights: Vector, x: NDArray[np.float64], y: Vector, *, epochs: int, lr: float, l2: float
) -> Vector:
    """``epochs`` full-batch gradient steps on the mean log loss plus ``l2``·|w|² (no penalty
    on the bias)."""
    w = np.array(weights, dtype=np.float64)
    xb = with_bias(x)
    n = max(1, len(y))
    for _ in range(epochs):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (p - y) / n
        grad[1:] += l2 * w[1:]
        w -= lr * grad
    return w


def clip_and_noise(
    update: Vector, *, clip: float, noise: float, rng: np.random.Generator
) -> Vector:
    """A site's model update clipped to L2 norm ``clip`` with Gaussian noise of standard
    deviation ``noise``·``clip`` added (the Gaussian mechanism on client updates)."""
    norm = float(np.linalg.norm(update))
    clipped = update * min(1.0, clip / norm) if norm > 0 else update
    return clipped + rng.normal(0.0, noise * clip, size=update.shape)


def auc(y: Vector, p: Vector) -> float:
    """Area under the ROC curve as the Mann-Whitney statistic (ties count one half)."""
    positives, negatives = p[y == 1], p[y == 0]
    if len(positives) == 0 or len(negatives) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([positives, negatives]), kind="mergesort")
    values = np.concatenate([positives, negatives])[order]
    ranks = np.empty(len(values))
    start = 0
    while start < len(values):  # average ranks over ties
        end = start
        while end + 1 < len(values) and values[end + 1] == values[start]:
            end += 1
        ranks[start : end + 1] = (start + end) / 2 + 1
        start = end + 1
    rank_of = np.empty(len(values))
    rank_of[order] = ranks
    positive_ranks = rank_of[: len(positives)].sum()
    return float(
        (positive_ranks - len(positives) * (len(positives) + 1) / 2)
        / (len(positives) * len(negatives))
    )


def metrics(y: Vector, p: Vector) -> dict[str, float]:
    eps = 1e-12
    loss = (
        -float(np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))) if len(y) else math.nan
    )
    return {
        "auc": auc(y, p),
        "accuracy": float(np.mean((p >= 0.5) == (y == 1))) if len(y) else math.nan,
        "brier": float(np.mean((p - y) ** 2)) if len(y) else math.nan,
        "log_loss": loss,
        "n": float(len(y)),
        "positives": float(np.sum(y)),
    }
