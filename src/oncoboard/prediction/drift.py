# SPDX-License-Identifier: Apache-2.0
"""Feature drift on scipy/numpy: population stability index and two-sample Kolmogorov-Smirnov.

PSI = sum (p_cur - p_ref) ln(p_cur / p_ref) over the reference deciles (categories for binary
features). The usual reading, < 0.1 stable, 0.1-0.25 some shift, > 0.25 major shift, is a
credit-scoring rule of thumb (attributed to Lewis, An Introduction to Credit Scoring), not a
clinical standard: the plan's thresholds are declared, not derived.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from oncoboard.prediction.schemas import DriftThresholds, FeatureDrift

EPSILON = 1e-4  # empty-bin floor, so an emptied bin adds a large but finite term


def psi(reference: np.ndarray, current: np.ndarray, *, bins: int = 10) -> float:
    """Population stability index of ``current`` against ``reference``."""
    levels = np.unique(reference)
    if len(levels) <= 2:
        ref = np.array([(reference == v).mean() for v in levels])
        cur = np.array([(current == v).mean() for v in levels])
    else:
        edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
        ref = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=len(edges) + 1)
        cur = np.bincount(np.searchsorted(edges, current, side="right"), minlength=len(edges) + 1)
        ref, cur = ref / ref.sum(), cur / cur.sum()
    ref, cur = np.maximum(ref, EPSILON), np.maximum(cur, EPSILON)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def feature_drift(
    name: str, reference: np.ndarray, current: np.ndarray, thresholds: DriftThresholds
) -> FeatureDrift:
    present = current[~np.isnan(current)]
    value = psi(reference, present)
    ks = stats.ks_2samp(reference, present)
    if value >= thresholds.psi_alert:
        level = "alert"
    elif value >= thresholds.psi_warn or ks.pvalue < thresholds.ks_p_value:
        level = "warn"
    else:
        level = "stable"
    return FeatureDrift(
        feature=name,
        psi=round(value, 4),
        ks_statistic=round(float(ks.statistic), 4),
        ks_p_value=float(f"{ks.pvalue:.3g}"),
        level=level,
        reference_mean=round(float(reference.mean()), 3),
        current_mean=round(float(present.mean()), 3) if len(present) else float("nan"),
        missing=int(np.isnan(current).sum()),
    )
