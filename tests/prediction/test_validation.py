# SPDX-License-Identifier: Apache-2.0
"""The subgroup summary of the card: fairlearn-style spread over the levels that have a number;
levels with too few events are listed and never enter the arithmetic."""

from __future__ import annotations

from typing import Any

import pytest

from oncoboard.prediction.validation import subgroup_summary


def _row(variable: str, level: str, c: float | None, status: str) -> dict[str, Any]:
    estimate = None if c is None else {"value": c, "low": c - 0.05, "high": c + 0.05}
    return {"variable": variable, "level": level, "harrell_c": estimate, "status": status}


def test_spread_over_rated_levels_and_unrated_levels_named() -> None:
    rows = [
        _row("age band", "<50", 0.70, "ok"),
        _row("age band", "50-64", 0.64, "gap"),
        _row("age band", ">=65", 0.73, "ok"),
        _row("race", "Black", None, "too_few_events"),
        _row("race", "Other", None, "too_few_events"),
    ]
    age, race = subgroup_summary(rows, overall_c=0.71)
    assert (age["min"], age["max"]) == ({"level": "50-64", "c": 0.64}, {"level": ">=65", "c": 0.73})
    assert age["difference"] == pytest.approx(0.09) and age["ratio"] == pytest.approx(
        0.64 / 0.73, abs=1e-4
    )
    assert age["largest_drop"] == pytest.approx(0.07)
    assert (age["levels"], age["rated"], age["flagged"], age["too_few_events"]) == (
        3,
        3,
        ["50-64"],
        [],
    )
    # no number is made up for a variable whose every level has too few events
    assert race["rated"] == 0 and race["difference"] is None and race["min"] is None
    assert race["too_few_events"] == ["Black", "Other"]
