# SPDX-License-Identifier: Apache-2.0
"""The trajectory plot's geometry and its table fallback, without a database (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from oncoboard.dosing.schemas import DoseAction, DoseChange
from oncoboard.monitoring.plot import layout, partial_date
from oncoboard.monitoring.schemas import SymptomTrajectory, Trajectory, TrajectoryPoint


def _point(day: int, grade: int | None) -> TrajectoryPoint:
    return TrajectoryPoint(
        submission_id=f"s{day}",
        authored_at=datetime(2026, 10, day, 9, tzinfo=UTC),
        grade=grade,
        scores={},
    )


def test_layout_puts_higher_grades_higher_and_marks_dose_changes() -> None:
    trajectory = Trajectory(
        patient_id="PT-A",
        symptoms=[
            SymptomTrajectory(
                symptom="hand_foot_syndrome",
                term="Hand-Foot Syndrome",
                points=[_point(5, 1), _point(12, 3)],
            ),
            SymptomTrajectory(symptom="nausea", term="Nausea", points=[_point(12, None)]),
        ],
    )
    change = DoseChange(
        recommendation_id="r1", drug="capecitabine", indication="1250", treatment="capecitabine",
        treatment_fact_id=None, ae_term="Palmar-plantar erythrodysesthesia syndrome", grade=3,
        grade_source="patient_reported", action=DoseAction.HOLD, level=-1,
        dose="950 mg/m² twice daily", outcome="accept", decided_by="dr",
        decided_at=datetime(2026, 10, 13, 8, tzinfo=UTC),
    )  # fmt: skip
    panel = layout(trajectory, [], [change])
    hfs, nausea = panel.series
    first, second = hfs.dots
    assert second.x > first.x and second.y < first.y  # later to the right, grade 3 above 1
    assert first.y - second.y == 2 * (hfs.grid[0][1] - hfs.grid[1][1])  # two grade steps
    assert hfs.line == f"{first.x},{first.y} {second.x},{second.y}"
    assert nausea.line == "" and nausea.dots[0].grade is None  # not computable: a dot, no line
    assert nausea.top > hfs.top
    [mark] = panel.marks
    assert mark.kind == "dose_change" and "patient-reported" in mark.label
    assert second.x < mark.x <= panel.right
    assert panel.rows == (("2026-10-05", ("1", "")), ("2026-10-12", ("3", "not graded")))
    assert panel.events == (("2026-10-13", mark.label),)


def test_partial_record_dates() -> None:
    assert partial_date("2024-03") == date(2024, 3, 1)
    assert partial_date("2024") == date(2024, 1, 1)
    assert partial_date("2024-02-30") is None and partial_date(None) is None
