# SPDX-License-Identifier: Apache-2.0
"""The symptom chart without a database: what it shows (pure layout), how matplotlib lays it out
(every label inside the figure, no title over a tick label), and the SVG it inlines (alt text,
nothing a strict Content-Security-Policy would refuse)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

from oncoboard.dosing.schemas import DoseAction, DoseChange
from oncoboard.monitoring.plot import figure_for, layout, partial_date, render
from oncoboard.monitoring.schemas import SymptomTrajectory, Trajectory, TrajectoryPoint
from oncoboard.record.schemas import Provenance, RecordedFact

PROVENANCE = Provenance(
    source_name="record.fhir.json", source_sha256="0" * 64, locator="entry 1", importer="fhir",
    importer_version="1", import_id="i1", imported_at=datetime(2026, 9, 1, tzinfo=UTC),
)  # fmt: skip


def _point(day: int, grade: int | None, month: int = 10) -> TrajectoryPoint:
    return TrajectoryPoint(
        submission_id=f"s{month}-{day}",
        authored_at=datetime(2026, month, day, 9, tzinfo=UTC),
        grade=grade,
        scores={},
    )


def _treatment(fact_id: int, name: str, category: str, start: str, end: str | None = None) -> Any:
    fact = {"kind": "treatment", "category": category, "name": name, "start": start, "end": end}
    return RecordedFact.model_validate(
        {"fact_id": fact_id, "fact": fact, "provenance": PROVENANCE.model_dump()}
    )


TRAJECTORY = Trajectory(
    patient_id="PT-A",
    symptoms=[
        SymptomTrajectory(
            symptom="hand_foot_syndrome",
            term="Hand-Foot Syndrome",
            points=[_point(5, 1), _point(12, 3), _point(3, 2, month=11)],
        ),
        SymptomTrajectory(symptom="nausea", term="Nausea", points=[_point(12, None)]),
    ],
)
CHANGE = DoseChange(
    recommendation_id="r1", drug="capecitabine", indication="1250", treatment="capecitabine",
    treatment_fact_id=None, ae_term="Palmar-plantar erythrodysesthesia syndrome", grade=3,
    grade_source="patient_reported", action=DoseAction.HOLD, level=-1,
    dose="950 mg/m² twice daily", outcome="accept", decided_by="dr",
    decided_at=datetime(2026, 10, 13, 8, tzinfo=UTC),
)  # fmt: skip
TREATMENTS = [
    _treatment(1, "capecitabine", "medication", "2026-09-01"),
    # mCODE Procedure-cancer-related-surgical-procedure: performedDateTime only, no end
    _treatment(2, "Excision of part of breast", "procedure", "2026-10-08"),
    _treatment(3, "Radiotherapy course of treatment", "radiotherapy", "2026-10-20", "2026-10-30"),
]


def test_layout_shows_grades_courses_and_point_events() -> None:
    panel = layout(TRAJECTORY, TREATMENTS, [CHANGE])
    hfs, nausea = panel.series
    assert [(p.day.isoformat(), p.grade) for p in hfs.points] == [
        ("2026-10-05", 1), ("2026-10-12", 3), ("2026-11-03", 2)]  # fmt: skip
    assert nausea.points[0].grade is None  # reported but not computable: a hollow dot, no line
    # the plotted period pads both ends, so the first and last reports are inside it
    assert panel.start < date(2026, 10, 5) and panel.end > date(2026, 11, 3)
    # a surgery is one day, never a treatment line across the window
    assert [c.label for c in panel.courses] == ["capecitabine", "Radiotherapy course of treatment"]
    capecitabine, radiotherapy = panel.courses
    assert capecitabine.ongoing and capecitabine.start == panel.start  # clipped, still running
    assert not radiotherapy.ongoing and radiotherapy.end == date(2026, 10, 30)
    assert [(m.day.isoformat(), m.kind) for m in panel.marks] == [
        ("2026-10-08", "procedure"), ("2026-10-13", "dose_change"),
        ("2026-10-20", "treatment_start")]  # fmt: skip
    assert "patient-reported" in panel.marks[1].label
    assert panel.rows == (
        ("2026-10-05", ("1", "")), ("2026-10-12", ("3", "not graded")), ("2026-11-03", ("2", "")))  # fmt: skip
    assert panel.events[1] == ("2026-10-08", "Excision of part of breast (procedure)")
    assert ("2026-10-30", "Radiotherapy course of treatment ended") in panel.events


def _boxes(labels: list[Any], renderer: Any) -> list[Any]:
    return [t.get_window_extent(renderer) for t in labels if t.get_visible() and t.get_text()]


def test_every_label_is_inside_the_figure_and_titles_clear_the_ticks() -> None:
    fig = figure_for(layout(TRAJECTORY, TREATMENTS, [CHANGE]))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox
    axes = fig.axes
    dates = [t.get_text() for t in axes[-1].get_xticklabels()]
    assert dates[-1] == "01 Nov" and all(" " in d for d in dates)  # day and month on every tick
    texts = []
    for ax in axes:
        texts += _boxes(ax.get_xticklabels() + ax.get_yticklabels(), renderer)
        texts += _boxes([ax.title, ax.xaxis.label, ax.yaxis.label], renderer)
    for box in texts:  # nothing clipped: the last date label included
        assert frame.x0 - 0.5 <= box.x0 and box.x1 <= frame.x1 + 0.5
        assert frame.y0 - 0.5 <= box.y0 and box.y1 <= frame.y1 + 0.5
    for upper, lower in pairwise(axes):
        title = lower.title.get_window_extent(renderer)
        for tick in _boxes(upper.get_xticklabels() + lower.get_yticklabels(), renderer):
            assert not title.overlaps(tick)


def test_the_svg_is_accessible_and_safe_to_inline() -> None:
    svg = render(layout(TRAJECTORY, TREATMENTS, [CHANGE])).svg
    assert svg.startswith("<svg") and 'id="pro-plot"' in svg and 'role="img"' in svg
    assert '<title id="pro-plot-t">Composite grade over time per symptom</title>' in svg
    assert "Excision of part of breast (procedure)" in svg  # in the description (alt text)
    assert " style=" not in svg and "<style" not in svg and "<script" not in svg
    assert render(layout(TRAJECTORY, TREATMENTS, [CHANGE])).svg == svg  # byte-identical


def test_partial_record_dates() -> None:
    assert partial_date("2024-03") == date(2024, 3, 1)
    assert partial_date("2024") == date(2024, 1, 1)
    assert partial_date("2024-02-30") is None and partial_date(None) is None
