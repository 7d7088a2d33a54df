# SPDX-License-Identifier: Apache-2.0
"""Blood-pressure limits: "uncontrolled hypertension (SBP > 150 or DBP > 100 mmHg)" read with
its numbers and decided by the latest readings; "uncontrolled hypertension" alone is not read."""

from __future__ import annotations

from datetime import date

import pytest

from oncoboard.record.schemas import Demographics, LabResult
from oncoboard.trials.constraints import structure
from oncoboard.trials.read_vitals import blood_pressure
from oncoboard.trials.schemas import CriterionResult, CriterionState, Eligibility
from tests.trials.support import exclusion_result

TODAY = date(2026, 1, 15)
MAN = Demographics(sex="male", birth_date="1958-05-02")


def _bp(systolic: float, diastolic: float, when: str = "2026-01-08") -> list[LabResult]:
    return [
        LabResult(name="Systolic blood pressure", code="8480-6", value_number=systolic,
                  unit="mm[Hg]", effective=when),
        LabResult(name="Diastolic blood pressure", code="8462-4", value_number=diastolic,
                  unit="mm[Hg]", effective=when),
    ]  # fmt: skip


def _item(text: str, *facts: object) -> CriterionResult:
    return exclusion_result(text, TODAY, MAN, *facts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "limits"),
    [
        ("Uncontrolled hypertension (systolic blood pressure > 150 mmHg or diastolic blood "
         "pressure > 100 mmHg)", {("systolic_bp", ">", 150.0), ("diastolic_bp", ">", 100.0)}),
        ("Uncontrolled hypertension (SBP ≥ 160 or DBP ≥ 100 mmHg despite optimal medical "
         "management)", {("systolic_bp", ">=", 160.0), ("diastolic_bp", ">=", 100.0)}),
        ("Uncontrolled hypertension defined as blood pressure > 150/90 mmHg",
         {("systolic_bp", ">", 150.0), ("diastolic_bp", ">", 90.0)}),
    ],
)  # fmt: skip
def test_limits_are_read_with_the_words_they_define(
    text: str, limits: set[tuple[str, str, float]]
) -> None:
    found = {(c.analyte, c.op, c.value) for _, _, c in blood_pressure(text)}  # type: ignore[union-attr]
    assert found == limits
    criterion = structure(Eligibility(
        criteria_text=f"Exclusion Criteria:\n\n* {text}", sex="ALL", minimum_age_years=None,
        maximum_age_years=None, minimum_age_text=None, maximum_age_text=None,
        healthy_volunteers=False,
    ))[0]  # fmt: skip
    assert not criterion.partial


def test_hypertension_without_numbers_is_left_for_review() -> None:
    assert list(blood_pressure("Uncontrolled hypertension")) == []
    assert list(blood_pressure("Untreated hypertension (systolic > 160 mmHg)")) == []


def test_the_latest_readings_decide_either_limit() -> None:
    text = "Uncontrolled hypertension (SBP > 150 mmHg or DBP > 100 mmHg)"
    controlled = _item(text, *_bp(134, 82))
    assert controlled.state is CriterionState.NOT_MET
    assert "systolic BP > 150 mmHg: 134" in controlled.reason
    assert _item(text, *_bp(162, 88)).state is CriterionState.MET  # one limit is enough
    assert _item(text, *_bp(170, 104, "2025-01-01"), *_bp(128, 80)).state is CriterionState.NOT_MET
    assert _item(text).state is CriterionState.UNKNOWN
