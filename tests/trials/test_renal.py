# SPDX-License-Identifier: Apache-2.0
"""Creatinine clearance by Cockcroft–Gault when no measured clearance is recorded."""

from __future__ import annotations

import math
from datetime import date

from oncoboard.actionability.facts import PatientFacts
from oncoboard.record.schemas import Demographics, LabResult
from oncoboard.trials.eval_labs import lab
from oncoboard.trials.schemas import LabConstraint
from oncoboard.trials.view import PatientView
from tests.trials.support import record

TODAY = date(2026, 1, 15)


def _view(sex: str, birth: str, kg: float, creatinine: float, **extra: object) -> PatientView:
    weight_unit = str(extra.get("weight_unit", "kg"))
    when = str(extra.get("when", "2026-01-08"))
    facts = [
        Demographics(sex=sex, birth_date=birth),
        LabResult(
            name="Body Weight", code="29463-7", value_number=kg, unit=weight_unit, effective=when
        ),
        LabResult(
            name="Creatinine",
            code="38483-4",
            value_number=creatinine,
            unit="mg/dL",
            reference_high=1.3,
            effective="2026-01-08",
        ),
    ]
    if "cm" in extra:
        facts.append(LabResult(name="Body Height", code="8302-2", value_number=float(extra["cm"]),  # type: ignore[arg-type]
                               unit="cm", effective="2026-01-08"))  # fmt: skip
    rec = record("P", *facts)
    return PatientView.build(rec, PatientFacts.from_record(rec), TODAY)


def _crcl(op: str, value: float, unit: str = "mL/min") -> LabConstraint:
    return LabConstraint(analyte="creatinine_clearance", op=op, value=value, unit=unit,  # type: ignore[arg-type]
                         as_written="CrCl")  # fmt: skip


def test_cockcroft_gault_for_a_man_names_its_inputs() -> None:
    # (140 - 69) * 78 / (72 * 0.9) = 85.5 mL/min (Cockcroft & Gault, Nephron 1976)
    answer = lab(_crcl(">=", 60), _view("male", "1956-03-14", 78, 0.9))
    assert answer.holds is True and "estimated 85 mL/min by Cockcroft–Gault" in answer.reason
    assert "crcl_estimated" in answer.flags
    assert {f.kind for f in answer.facts} == {"demographics", "lab"}


def test_women_get_the_0_85_factor_and_pounds_are_converted() -> None:
    # (140 - 58) * 64 / (72 * 0.7) * 0.85 = 88.5 mL/min
    assert (
        "estimated 89 mL/min" in lab(_crcl(">=", 60), _view("female", "1967-05-03", 64, 0.7)).reason
    )
    pounds = _view("female", "1967-05-03", 64 / 0.45359237, 0.7, weight_unit="[lb_av]")
    assert "estimated 89 mL/min" in lab(_crcl(">=", 60), pounds).reason


def test_an_estimate_near_the_threshold_does_not_decide() -> None:
    # 85.5 mL/min against >= 90: within 10 %, left unknown
    answer = lab(_crcl(">=", 90), _view("male", "1956-03-14", 78, 0.9))
    assert answer.holds is None and "within 10 %" in answer.reason


def test_a_threshold_per_1_73_m2_is_normalised_by_mosteller_bsa() -> None:
    view = _view("male", "1956-03-14", 78, 0.9, cm=176)
    bsa = math.sqrt(176 * 78 / 3600)  # Mosteller, NEJM 1987
    expected = (140 - 69) * 78 / (72 * 0.9) * 1.73 / bsa
    answer = lab(_crcl(">=", 60, "mL/min/1.73m2"), view)
    assert answer.holds is True and f"= {expected:.0f} mL/min/1.73 m²" in answer.reason
    no_height = lab(_crcl(">=", 60, "mL/min/1.73m2"), _view("male", "1956-03-14", 78, 0.9))
    assert no_height.holds is None and "height" in no_height.reason


def test_an_old_weight_is_not_used() -> None:
    answer = lab(_crcl(">=", 60), _view("male", "1956-03-14", 78, 0.9, when="2025-06-01"))
    assert answer.holds is None and "body weight of the last 28 days" in answer.reason
