# SPDX-License-Identifier: Apache-2.0
"""Blood-pressure limits: "uncontrolled hypertension (SBP > 150 or DBP > 100 mmHg)" read with
its numbers and decided by the latest readings; "uncontrolled hypertension" alone is not read."""

from __future__ import annotations

from datetime import date

import pytest

from oncoboard.record.schemas import Demographics, LabResult
from oncoboard.trials.read_vitals import blood_pressure
from oncoboard.trials.schemas import CriterionResult, CriterionState
from tests.trials.support import exclusion_result, one_item

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
    criterion = one_item(text)
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


def _spo2(value: float, flow: float | None, when: str = "2026-01-08") -> list[LabResult]:
    reading = [LabResult(name="Oxygen saturation in Arterial blood by Pulse oximetry",
                         code="59408-5", value_number=value, unit="%", effective=when)]  # fmt: skip
    if flow is not None:
        reading.append(LabResult(name="Inhaled oxygen flow rate", code="3151-8",
                                 value_number=flow, unit="L/min", effective=when))  # fmt: skip
    return reading


@pytest.mark.parametrize(
    "text",
    [
        "Has a pulse oximetry < 95% on room air.",  # NCT06411691 E7
        "Oxygen saturation < 92% (at rest, on room air)",
        "SpO2 < 90% without supplemental oxygen",
    ],
)
def test_oxygen_saturation_on_room_air_needs_a_room_air_reading(text: str) -> None:
    (found,) = [c for c in structure_of(text) if c.type == "lab"]
    assert found.on_room_air
    ok = exclusion_result(text, TODAY, MAN, *_spo2(97, 0))
    assert ok.state is CriterionState.NOT_MET and "on room air" in ok.reason
    low = exclusion_result(text, TODAY, MAN, *_spo2(85, 0))
    assert low.state is CriterionState.MET
    # on 2 L/min of oxygen the reading says nothing about room air; nor does one without a note
    on_oxygen = exclusion_result(text, TODAY, MAN, *_spo2(97, 2))
    assert on_oxygen.state is CriterionState.UNKNOWN and "not on room air" in on_oxygen.reason
    assert exclusion_result(text, TODAY, MAN, *_spo2(97, None)).state is CriterionState.UNKNOWN
    # a flow rate of another day does not describe this reading
    other_day = [*_spo2(97, None), *_spo2(99, 0, when="2025-06-01")[1:]]
    assert exclusion_result(text, TODAY, MAN, *other_day).state is CriterionState.UNKNOWN


def structure_of(text: str) -> list[object]:
    criterion = one_item(text)
    assert not criterion.partial, criterion.unread
    return [s.constraint for s in criterion.constraints]
