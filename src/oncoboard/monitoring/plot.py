# SPDX-License-Identifier: Apache-2.0
"""The patient page's "Symptoms" section: composite grade over time per symptom as a
server-rendered SVG (no JavaScript, no external library), with treatment lines and approved
dose changes marked, and the same data as tables for screen readers and print.

Kept apart from the page router so ``web.routes`` can build it without importing the pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fastapi import Request
from sqlalchemy.orm import Session

from oncoboard.dosing.schemas import DoseChange
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose, allowed_purposes
from oncoboard.monitoring import service
from oncoboard.monitoring.routes import monitoring_config
from oncoboard.monitoring.schemas import Trajectory
from oncoboard.record.schemas import RecordedFact

WIDTH = 600
LANE = 18  # one treatment line
PANEL = 64  # one symptom: label row + grade 0-3
PLOT_TOP = 16  # label row inside a panel
STEP = 14  # pixels per grade step (0-3)
AXIS = 28
LEFT, RIGHT = 24, 12
Scale = Callable[[date], float]
MAX_GRADE = 3  # the composite grade tops at 3 (Basch 2021; facts §1.2)


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    grade: int | None
    when: str


@dataclass(frozen=True)
class Series:
    term: str
    top: float
    line: str  # SVG polyline points
    dots: tuple[Dot, ...]
    grid: tuple[tuple[int, float], ...]  # (grade, y) for the grade lines 0-3


@dataclass(frozen=True)
class Mark:
    x: float
    kind: str  # treatment_start | treatment_end | dose_change
    label: str


@dataclass(frozen=True)
class Bar:
    x1: float
    x2: float
    y: float
    label: str


@dataclass(frozen=True)
class SymptomPanel:
    patient_id: str
    width: int
    height: int
    left: int
    right: int
    series: tuple[Series, ...]
    bars: tuple[Bar, ...]
    marks: tuple[Mark, ...]
    ticks: tuple[tuple[float, str], ...]
    bottom: float
    terms: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # date, grade per term ("" when not asked)
    events: tuple[tuple[str, str], ...]  # date, what happened
    can_triage: bool


def partial_date(text: str | None) -> date | None:
    """Record dates may be partial (``2024``, ``2024-03``); the first day stands for them."""
    if not text:
        return None
    parts = text[:10].split("-")
    try:
        numbers = [int(p) for p in parts] + [1, 1]
        return date(numbers[0], numbers[1] or 1, numbers[2] or 1)
    except ValueError:
        return None


def _day(value: datetime) -> date:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()


def symptom_panel(
    session: Session,
    *,
    access: Access,
    request: Request,
    actor: Actor,
    treatments: Sequence[RecordedFact],
    dose_changes: Sequence[DoseChange],
) -> SymptomPanel:
    """The section's data for one patient (``access``: view_record, from the patient page)."""
    trajectory = service.trajectory(session, access=access, config=monitoring_config(request))
    can_triage = Purpose.TREATMENT in allowed_purposes(actor.roles, Action.TRIAGE_ALERTS)
    return layout(trajectory, treatments, dose_changes, can_triage=can_triage)


def _events(
    treatments: Sequence[RecordedFact], dose_changes: Sequence[DoseChange]
) -> list[tuple[date, str, str]]:
    found: list[tuple[date, str, str]] = []
    for fact in treatments:
        name = str(getattr(fact.fact, "name", "treatment"))
        start = partial_date(getattr(fact.fact, "start", None))
        end = partial_date(getattr(fact.fact, "end", None))
        if start:
            found.append((start, "treatment_start", f"{name} started"))
        if end:
            found.append((end, "treatment_end", f"{name} ended"))
    for change in dose_changes:
        when = _day(change.decided_at)
        label = f"{change.drug}: {change.dose} ({change.ae_term} grade {change.grade}"
        label += ", patient-reported)" if change.grade_source == "patient_reported" else ")"
        found.append((when, "dose_change", label))
    return sorted(found)


def layout(
    trajectory: Trajectory,
    treatments: Sequence[RecordedFact],
    dose_changes: Sequence[DoseChange],
    *,
    can_triage: bool = False,
) -> SymptomPanel:
    """Coordinates for the SVG and the fallback tables (pure, so it can be tested alone)."""
    days = sorted({_day(p.authored_at) for s in trajectory.symptoms for p in s.points})
    events = _events(treatments, dose_changes)
    first, last = (days[0], days[-1]) if days else (date.today(), date.today())
    span = max((last - first).days, 6)
    lo = first - timedelta(days=max(1, span // 20))
    hi = lo + timedelta(days=span + 2 * max(1, span // 20))

    def x(day: date) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - lo).days / (hi - lo).days, 1)

    bars = _bars(treatments, lo, hi, x)
    top = len(bars) * LANE + 4
    series = []
    for index, symptom in enumerate(trajectory.symptoms):
        panel_top = top + index * PANEL
        base = panel_top + PLOT_TOP + MAX_GRADE * STEP
        dots = tuple(
            Dot(
                x(_day(p.authored_at)),
                base - (p.grade or 0) * STEP,
                p.grade,
                _day(p.authored_at).isoformat(),
            )
            for p in symptom.points
        )
        line = " ".join(f"{d.x},{d.y}" for d in dots if d.grade is not None)
        grid = tuple((g, base - g * STEP) for g in range(MAX_GRADE + 1))
        series.append(Series(symptom.term, panel_top, line, dots, grid))
    bottom = top + len(series) * PANEL
    marks = tuple(Mark(x(d), kind, label) for d, kind, label in events if lo <= d <= hi)
    return SymptomPanel(
        patient_id=trajectory.patient_id,
        width=WIDTH,
        height=int(bottom + AXIS),
        left=LEFT,
        right=WIDTH - RIGHT,
        series=tuple(series),
        bars=bars,
        marks=marks,
        ticks=_ticks(lo, hi, x),
        bottom=bottom,
        terms=tuple(s.term for s in trajectory.symptoms),
        rows=_rows(trajectory, days),
        events=tuple((d.isoformat(), label) for d, _, label in events),
        can_triage=can_triage,
    )


def _bars(treatments: Sequence[RecordedFact], lo: date, hi: date, scale: Scale) -> tuple[Bar, ...]:
    """Treatment lines that overlap the plotted period, one lane each, clipped to it."""
    found: list[Bar] = []
    for fact in treatments:
        start = partial_date(getattr(fact.fact, "start", None))
        end = partial_date(getattr(fact.fact, "end", None)) or hi
        if start is None or start > hi or end < lo:
            continue
        y = len(found) * LANE + 2
        name = str(getattr(fact.fact, "name", "treatment"))
        found.append(Bar(scale(max(start, lo)), scale(min(end, hi)), y, name))
    return tuple(found)


def _ticks(lo: date, hi: date, scale: Scale) -> tuple[tuple[float, str], ...]:
    count = 4
    step = max(1, (hi - lo).days // count)
    return tuple(
        (scale(lo + timedelta(days=i * step)), (lo + timedelta(days=i * step)).strftime("%d %b"))
        for i in range(count + 1)
        if lo + timedelta(days=i * step) <= hi
    )


def _rows(trajectory: Trajectory, days: list[date]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    by_day: dict[tuple[int, date], str] = {}
    for index, symptom in enumerate(trajectory.symptoms):
        for point in symptom.points:
            shown = "not graded" if point.grade is None else str(point.grade)
            by_day[(index, _day(point.authored_at))] = shown
    return tuple(
        (
            day.isoformat(),
            tuple(by_day.get((i, day), "") for i in range(len(trajectory.symptoms))),
        )
        for day in days
    )
