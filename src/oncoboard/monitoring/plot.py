# SPDX-License-Identifier: Apache-2.0
"""The patient page's "Symptoms" section: composite grade over time per symptom, drawn with
matplotlib and inlined as CSP-safe SVG (``oncoboard.plotting``), with treatment lines as bars,
procedures (surgery, biopsy) as point events, approved dose changes marked, and the same data
as tables beside the plot for screen readers and print.

``layout`` is pure (dates and grades, no pixels) so it can be tested alone; ``figure_for`` draws
it; kept apart from the page router so ``web.routes`` can build it without importing the pages.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from oncoboard.dosing.schemas import DoseChange
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose, allowed_purposes
from oncoboard.monitoring import service
from oncoboard.monitoring.routes import monitoring_config
from oncoboard.monitoring.schemas import Trajectory
from oncoboard.record.schemas import RecordedFact

MAX_GRADE = 3  # the composite grade tops at 3 (Basch 2021; facts §1.2)
SERIES, DOSE, START, PROCEDURE = "#2b5c94", "#b45f06", "#5b6b7c", "#7a3e9d"


@dataclass(frozen=True)
class Point:
    day: date
    grade: int | None  # None: reported, but the composite grade is not computable


@dataclass(frozen=True)
class Series:
    term: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Course:
    """A treatment line over time (medication, radiotherapy), clipped to the plotted period."""

    label: str
    start: date
    end: date
    ongoing: bool  # no end recorded: drawn to the right edge, said so


@dataclass(frozen=True)
class Event:
    """Something that happened on one day: a procedure or an approved dose change."""

    day: date
    kind: str  # procedure | dose_change | treatment_start | treatment_end
    label: str


@dataclass(frozen=True)
class SymptomPanel:
    patient_id: str
    start: date
    end: date
    series: tuple[Series, ...]
    courses: tuple[Course, ...]
    marks: tuple[Event, ...]  # point events inside the plotted period
    terms: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # date, grade per term ("" when not asked)
    events: tuple[tuple[str, str], ...]  # date, what happened (every dated event)
    can_triage: bool
    svg: str = ""


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
    """The section's data and plot for one patient (``access``: view_record, patient page)."""
    trajectory = service.trajectory(session, access=access, config=monitoring_config(request))
    can_triage = Purpose.TREATMENT in allowed_purposes(actor.roles, Action.TRIAGE_ALERTS)
    panel = layout(trajectory, treatments, dose_changes, can_triage=can_triage)
    return render(panel) if panel.series else panel


def _is_procedure(fact: RecordedFact) -> bool:
    return getattr(fact.fact, "category", None) == "procedure"


def _events(treatments: Sequence[RecordedFact], dose_changes: Sequence[DoseChange]) -> list[Event]:
    found: list[Event] = []
    for fact in treatments:
        name = str(getattr(fact.fact, "name", "treatment"))
        start = partial_date(getattr(fact.fact, "start", None))
        end = partial_date(getattr(fact.fact, "end", None))
        if _is_procedure(fact):  # surgery, biopsy: one day, not a line
            if start:
                found.append(Event(start, "procedure", f"{name} (procedure)"))
            continue
        if start:
            found.append(Event(start, "treatment_start", f"{name} started"))
        if end:
            found.append(Event(end, "treatment_end", f"{name} ended"))
    for change in dose_changes:
        label = f"{change.drug}: {change.dose} ({change.ae_term} grade {change.grade}"
        label += ", patient-reported)" if change.grade_source == "patient_reported" else ")"
        found.append(Event(_day(change.decided_at), "dose_change", label))
    return sorted(found, key=lambda e: (e.day, e.kind, e.label))


def layout(
    trajectory: Trajectory,
    treatments: Sequence[RecordedFact],
    dose_changes: Sequence[DoseChange],
    *,
    can_triage: bool = False,
) -> SymptomPanel:
    """What the plot and the tables show, in dates and grades (pure)."""
    days = sorted({_day(p.authored_at) for s in trajectory.symptoms for p in s.points})
    events = _events(treatments, dose_changes)
    first, last = (days[0], days[-1]) if days else (date.today(), date.today())
    span = max((last - first).days, 6)
    pad = timedelta(days=max(1, span // 20))
    lo, hi = first - pad, last + pad
    series = tuple(
        Series(s.term, tuple(Point(_day(p.authored_at), p.grade) for p in s.points))
        for s in trajectory.symptoms
    )
    return SymptomPanel(
        patient_id=trajectory.patient_id,
        start=lo,
        end=hi,
        series=series,
        courses=_courses(treatments, lo, hi),
        marks=tuple(e for e in events if lo <= e.day <= hi and e.kind != "treatment_end"),
        terms=tuple(s.term for s in trajectory.symptoms),
        rows=_rows(trajectory, days),
        events=tuple((e.day.isoformat(), e.label) for e in events),
        can_triage=can_triage,
    )


def _courses(treatments: Sequence[RecordedFact], lo: date, hi: date) -> tuple[Course, ...]:
    """Treatment lines (not procedures) that overlap the plotted period, clipped to it."""
    found: list[Course] = []
    for fact in treatments:
        if _is_procedure(fact):
            continue
        start = partial_date(getattr(fact.fact, "start", None))
        recorded_end = partial_date(getattr(fact.fact, "end", None))
        end = recorded_end or hi
        if start is None or start > hi or end < lo:
            continue
        name = str(getattr(fact.fact, "name", "treatment"))
        found.append(Course(name, max(start, lo), min(end, hi), ongoing=recorded_end is None))
    return tuple(found)


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


def figure_for(panel: SymptomPanel) -> Any:
    """The matplotlib figure of the panel, drawn under the plot style (fonts, spines)."""
    from oncoboard.plotting import styled

    return styled(_figure)(panel)


def _figure(panel: SymptomPanel) -> Any:
    """A lane of treatment lines and point events on top, then one grade panel per symptom,
    all on one date axis (labels kept inside the figure)."""
    from matplotlib import dates

    from oncoboard.plotting import figure

    lanes = max(1, len(panel.courses) + (1 if _procedures(panel) else 0))
    ratios = [0.32 * lanes + 0.3] + [1.0] * len(panel.series)
    height = sum(ratios) * 0.95 + 0.6
    fig, axes = figure(7.2, height, rows=len(ratios), sharex=True, height_ratios=ratios)
    top, panels = axes[0], axes[1:]
    _draw_lanes(top, panel)
    for ax, series in zip(panels, panel.series, strict=True):
        _draw_series(ax, series, panel)
    bottom = panels[-1]
    bottom.xaxis.set_major_locator(dates.AutoDateLocator(minticks=3, maxticks=7))
    # every tick names its day and month (or month and year): no label depends on another
    short = (panel.end - panel.start).days <= 120
    bottom.xaxis.set_major_formatter(dates.DateFormatter("%d %b" if short else "%b %Y"))
    years = sorted({panel.start.year, panel.end.year})
    bottom.set_xlabel(f"Report date ({'-'.join(str(y) for y in years)})")
    bottom.set_xlim(panel.start, panel.end)
    return fig


def _short(text: str, limit: int) -> str:
    """Axis labels stay short so the plot keeps its width; the tables carry the full names."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _procedures(panel: SymptomPanel) -> list[Event]:
    return [m for m in panel.marks if m.kind == "procedure"]


def _draw_lanes(ax: Any, panel: SymptomPanel) -> None:
    from matplotlib import dates

    labels = []
    for lane, course in enumerate(panel.courses):
        left = dates.date2num(course.start)
        width = max(dates.date2num(course.end) - left, 0.5)
        ax.broken_barh([(left, width)], (lane - 0.35, 0.7), facecolors="#c7dcf2")
        labels.append(_short(course.label, 26) + (" (ongoing)" if course.ongoing else ""))
    procedures = _procedures(panel)
    if procedures:
        lane = len(panel.courses)
        ax.plot([p.day for p in procedures], [lane] * len(procedures), linestyle="none",
                marker="D", markersize=6, color=PROCEDURE)  # fmt: skip
        for p in procedures:
            ax.annotate(_short(p.label.removesuffix(" (procedure)"), 24), (p.day, lane),
                        xytext=(6, 0), textcoords="offset points", va="center", fontsize=8)  # fmt: skip
        labels.append("procedures (one day)")
    for mark in panel.marks:
        if mark.kind == "dose_change":
            ax.axvline(mark.day, color=DOSE, linewidth=1.6)
    if not labels:
        ax.text(0.01, 0.5, "no treatment line or procedure in this period", va="center",
                transform=ax.transAxes, color="#4f5d6b")  # fmt: skip
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(max(len(labels), 1) - 0.5, -0.5)
    ax.set_title("Treatment lines, procedures and dose changes", loc="left")
    ax.tick_params(axis="x", labelbottom=False)
    ax.spines["left"].set_visible(False)


def _draw_series(ax: Any, series: Series, panel: SymptomPanel) -> None:
    graded = [p for p in series.points if p.grade is not None]
    ungraded = [p for p in series.points if p.grade is None]
    if graded:
        ax.plot([p.day for p in graded], [p.grade for p in graded], color=SERIES, marker="o",
                linewidth=2, markersize=5)  # fmt: skip
    if ungraded:
        ax.plot([p.day for p in ungraded], [0] * len(ungraded), linestyle="none", marker="o",
                markerfacecolor="white", markeredgecolor=SERIES, markersize=6)  # fmt: skip
    for mark in panel.marks:
        if mark.kind == "dose_change":
            ax.axvline(mark.day, color=DOSE, linewidth=1.6)
        elif mark.kind == "treatment_start":
            ax.axvline(mark.day, color=START, linewidth=1, linestyle="--")
        else:
            ax.axvline(mark.day, color=PROCEDURE, linewidth=1, linestyle=":")
    ax.set_ylim(-0.4, MAX_GRADE + 0.4)
    ax.set_yticks(range(MAX_GRADE + 1))
    ax.grid(axis="y", color="#e1e6ec", linewidth=0.8)
    ax.set_title(series.term, loc="left")
    ax.set_ylabel("grade")


def render(panel: SymptomPanel) -> SymptomPanel:
    """The panel with its SVG: alt text names every symptom and event; tables hold the data."""
    from dataclasses import replace

    return replace(panel, svg=_svg(panel))


@functools.lru_cache(maxsize=64)
def _svg(panel: SymptomPanel) -> str:
    """Drawn once per distinct panel (frozen, so the same data is the same key)."""
    from oncoboard.plotting import to_svg

    happened = "; ".join(f"{m.day.isoformat()} {m.label}" for m in panel.marks) or "none"
    courses = "; ".join(
        f"{c.label} from {c.start.isoformat()}" + (" (ongoing)" if c.ongoing else f" to {c.end}")
        for c in panel.courses
    )
    description = (
        f"PRO-CTCAE composite grade 0 to 3 per report from {panel.start.isoformat()} to "
        f"{panel.end.isoformat()} for {', '.join(panel.terms)}. Treatment lines: "
        f"{courses or 'none in this period'}. Events: {happened}. Hollow circles: reported but "
        "not gradable. The same data is in the tables beside the plot."
    )
    return to_svg(
        figure_for(panel),
        prefix="pro-plot",
        title="Composite grade over time per symptom",
        description=description,
        css_class="pro-plot",
    )
