# SPDX-License-Identifier: Apache-2.0
"""Prior therapy, timing windows and prior lines against one patient's treatment history.

The recorded treatment history is read as complete for the classes the vocabulary knows (a
tumour board's own record of what was given), but a medicine the vocabulary does not know is
never guessed: one given for a recorded non-cancer condition (FHIR ``reasonReference``, e.g.
amlodipine for hypertension) is not an anticancer therapy; one given for the cancer or without a
reason leaves a broad class ("systemic anticancer therapy") unknown. Lines are regimens: the
starts of anticancer medicines more than 28 days apart (an estimate, flagged as such).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from oncoboard.record.schemas import RecordedFact, Treatment
from oncoboard.trials import drugs
from oncoboard.trials.regimens import TOGETHER_DAYS, medicines_in
from oncoboard.trials.schemas import ConstraintResult, PriorLinesConstraint, PriorTherapyConstraint
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r

_BROAD = frozenset({
    "systemic anticancer therapy", "chemotherapy", "immunotherapy", "targeted therapy",
    "endocrine therapy", "anti-angiogenic therapy",
})  # fmt: skip
_CANCER_WORDS = re.compile(
    r"malignan|cancer|carcinoma|neoplasm|tumou?r|lymphoma|leuka?emia|sarcoma|melanoma|metasta|"
    r"myeloma|blastoma",
    re.IGNORECASE,
)
_ENDED = ("completed", "stopped", "cancelled", "entered-in-error", "not-taken")
# classes that are not anticancer therapy: a medicine's non-cancer reason says nothing of them
_NOT_ANTICANCER = frozenset({
    "corticosteroid", "haematopoietic growth factor", "leucovorin", "antiretroviral therapy",
})  # fmt: skip
_REGIMEN_GAP = timedelta(days=28)
TOGETHER = TOGETHER_DAYS


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _names(treatment: Treatment) -> set[str]:
    text = treatment.name.lower()
    return {d for d, _, _, _ in drugs.MOALMANAC if re.search(rf"\b{re.escape(d)}\b", text)}


def member(c: PriorTherapyConstraint, treatment: Treatment) -> bool | None:
    """Whether one recorded medicine is of the class: True, False or None (cannot tell)."""
    name = treatment.name.lower()
    if c.drug_class == "corticosteroid":
        return drugs.is_corticosteroid(name)
    if any(re.search(rf"\b{re.escape(d)}\b", name) for d in c.drugs):
        return True
    if set(medicines_in(name)) & set(c.drugs):
        return True  # a course recorded under a regimen's name ("FOLFOX" for platinum)
    if c.drug_class in _NOT_ANTICANCER:
        return False  # matched by generic name only (docs/trials.md)
    if c.drug_class != "systemic anticancer therapy" and drugs.is_corticosteroid(name):
        return False  # a listed corticosteroid is of no narrower anticancer class (drugs.py)
    reason = treatment.reason or ""
    if reason and not _CANCER_WORDS.search(reason):
        return False  # given for a recorded non-cancer condition
    if _names(treatment) or any(s in name for s in drugs.SUPPORTIVE):
        return False  # a known drug of another class, or a supportive medicine
    if c.drug_class in _BROAD or reason:
        return None  # an unknown medicine given for the cancer (or for nothing recorded)
    return False


def _ongoing(t: Treatment, today: date) -> bool:
    if t.category == "procedure" and t.start:
        return _day(t.start) == today  # an operation is an event on its day
    end = _day(t.end)
    if end is not None:
        return end >= today
    return (t.status or "active") not in _ENDED


def _in_time(c: PriorTherapyConstraint, t: Treatment, today: date) -> bool | None:
    if c.current:
        return _ongoing(t, today)
    if c.within_days is None:
        return True
    end = _day(t.end) or _day(t.start)
    if _ongoing(t, today):
        return True
    event = t.category == "procedure"  # its day is its end
    if end is None or (t.end is None and not event and (t.status or "") in _ENDED):
        return None  # finished, but when is not recorded
    inside = (today - end).days <= c.within_days
    if inside and c.half_lives:
        return None  # "or 5 half-lives, whichever is shorter": the window may be shorter
    return inside


def _courses(c: PriorTherapyConstraint, view: PatientView) -> list[tuple[Treatment, RecordedFact]]:
    if c.modality != "medicine":
        category = "radiotherapy" if c.modality == "radiotherapy" else "procedure"
        return [
            (f.fact, f)
            for f in view.therapy_history
            if isinstance(f.fact, Treatment) and f.fact.category == category
        ]
    return [(f.fact, f) for _, f in view.treatments if isinstance(f.fact, Treatment)]


def prior_therapy(c: PriorTherapyConstraint, view: PatientView) -> ConstraintResult:
    if not view.therapy_history:
        return _r(None, "no treatment history recorded", missing="treatment history", kind=c.type)
    timing = _timing(c, view)
    if c.components:
        return _regimen(c, view, timing)
    hits, unsure = [], []
    for treatment, fact in _courses(c, view):
        if c.modality == "surgery":
            # no site named ("major surgery"): any operation may be one, never surely
            named = any(w in treatment.name.lower() for w in c.drugs)
            is_member: bool | None = named if c.drugs else None
        else:
            is_member = member(c, treatment) if c.modality == "medicine" else True
        when = _and(_in_time(c, treatment, view.today), _anchored(c, treatment, view))
        if is_member and when:
            hits.append(fact)
        elif is_member is not False and when is not False:
            unsure.append(fact)
    what = f"{c.drug_class} ({timing})"
    if hits:
        return _received(c, f"{what}: {', '.join(_label(f) for f in hits)}", hits, view)
    if unsure:
        return _r(None, f"{what}: cannot tell whether {', '.join(_label(f) for f in unsure)} "
                  "belongs to the class", *unsure, missing=f"class of {_label(unsure[0])}",
                  kind=c.type)  # fmt: skip
    courses = [f for _, f in _courses(c, view)]
    return _r(c.negated, f"{what}: none in the recorded treatment history", *courses[:8],
              kind=c.type)  # fmt: skip


def _timing(c: PriorTherapyConstraint, view: PatientView) -> str:
    """When a course has to fall, in words."""
    if c.for_current_cancer:
        return f"for the current cancer, diagnosed {diagnosed(view) or 'on a date not recorded'}"
    if c.before_diagnosis_days is not None:
        days = c.before_diagnosis_days
        span = f"{days // 365} years" if days % 365 == 0 else f"{days} days"
        return (
            f"within {span} before the current cancer's diagnosis "
            f"({diagnosed(view) or 'date not recorded'})"
        )
    return "ongoing" if c.current else f"within {c.within_days} days" if c.within_days else "ever"


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def diagnosed(view: PatientView) -> date | None:
    """The current cancer's diagnosis date: the onset of the cancer being treated (None when
    several being treated were diagnosed on different days, or none has a date)."""
    onsets = {_day(c.condition.onset) for c in view.active_cancers}
    return onsets.pop() if len(onsets) == 1 else None


def _anchored(c: PriorTherapyConstraint, t: Treatment, view: PatientView) -> bool | None:
    """ "For the current malignancy" (on or after its diagnosis), "within 5 years prior to
    diagnosis" (in that span before it)."""
    if not c.for_current_cancer and c.before_diagnosis_days is None:
        return True
    day, start = diagnosed(view), _day(t.start)
    if day is None or start is None:
        return None
    if c.for_current_cancer:
        return start >= day
    end = _day(t.end) or start
    return start < day and (day - end).days <= c.before_diagnosis_days  # type: ignore[operator]


def _named(names: tuple[str, ...], treatment: Treatment) -> bool:
    if set(medicines_in(treatment.name)) & set(names):
        return True  # recorded under a regimen's name
    return any(
        re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", treatment.name.lower()) for n in names
    )


def _apart(treatment: Treatment, day: date) -> int:
    start = _day(treatment.start)
    return abs((start - day).days) if start else 10**6


def _together(
    chosen: list[tuple[Treatment, RecordedFact]],
    rest: list[list[tuple[Treatment, RecordedFact]]],
    start: date,
) -> list[tuple[Treatment, RecordedFact]] | None:
    """One course of every other component started near ``start``; None when one is missing."""
    for others in rest:
        near = [(t, f) for t, f in others if _apart(t, start) <= TOGETHER]
        if not near:
            return None
        chosen = [*chosen, near[0]]
    return chosen


def _regimen(c: PriorTherapyConstraint, view: PatientView, timing: str) -> ConstraintResult:
    """A named regimen or combination: one course of every component, started together."""
    courses = [(t, f) for t, f in _courses(c, view) if _day(t.start)]
    components = [tuple(names.split("|")) for names in c.components]
    found = [[(t, f) for t, f in courses if _named(names, t)] for names in components]
    what = f"{c.drug_class} ({timing})"
    if c.duration_days:
        what = f"{c.drug_class} for {c.duration_days[0]}–{c.duration_days[1]} days ({timing})"
    if c.first_line:
        what = f"{what}, as the first regimen"
    unsure: list[RecordedFact] = []
    outside: list[RecordedFact] = []
    for first, fact in found[0]:
        start = _day(first.start)
        together = _together([(first, fact)], found[1:], start) if start else None
        if together is not None and start is not None:
            lasted = _lasted(c, [t for t, _ in together], view.today)
            when = [_in_time(c, t, view.today) for t, _ in together]
            when += [lasted, _first_line(c, start, view)]
            hits = [f for _, f in together]
            if all(when):
                return _received(c, f"{what}: {' + '.join(_label(f) for f in hits)}", hits, view)
            if None in when:
                unsure += hits
            elif lasted is False:
                outside += hits
    if unsure:
        return _r(None, f"{what}: whether {', '.join(_label(f) for f in unsure)} falls in the "
                  "window or lasted as long as asked is not clear from the record", *unsure,
                  missing="treatment dates", kind=c.type)  # fmt: skip
    parts = " + ".join(names[0] for names in components)
    if outside:
        low, high = c.duration_days or (0, 0)
        return _r(c.negated, f"{what}: {' + '.join(_label(f) for f in outside)} did not last "
                  f"{low}–{high} days", *outside, kind=c.type)  # fmt: skip
    return _r(c.negated, f"{what}: no course of {parts} started together in the recorded "
              "treatment history", *[f for _, f in courses][:8], kind=c.type)  # fmt: skip


def _first_line(c: PriorTherapyConstraint, start: date, view: PatientView) -> bool | None:
    """The course is the first anticancer regimen recorded; a later one may still be the first
    line for advanced disease (after adjuvant therapy): then not known."""
    if not c.first_line:
        return True
    groups, unknown = regimens(view)
    starts = sorted(d for g in groups for f in g[:1] if (d := _day(_start_of(f))))
    if unknown or not starts:
        return None
    return True if abs((start - starts[0]).days) <= _REGIMEN_GAP.days else None


def _start_of(fact: RecordedFact) -> str | None:
    return fact.fact.start if isinstance(fact.fact, Treatment) else None


_MARGIN_DAYS = 15  # "4-6 months" read loosely: a course this close to a bound stays open


def _lasted(c: PriorTherapyConstraint, together: list[Treatment], today: date) -> bool | None:
    """Whether one course lasted as long as the item asks ("4-6 months of …")."""
    if c.duration_days is None:
        return True
    starts = [d for t in together if (d := _day(t.start))]
    ends = [_day(t.end) or (today if _ongoing(t, today) else None) for t in together]
    if not starts or any(e is None for e in ends):
        return None
    days = (max(e for e in ends if e) - min(starts)).days
    low, high = c.duration_days
    if low <= days <= high:
        return True
    return None if low - _MARGIN_DAYS <= days <= high + _MARGIN_DAYS else False


def _received(
    c: PriorTherapyConstraint,
    received: str,
    hits: list[RecordedFact],
    view: PatientView | None = None,
) -> ConstraintResult:
    """A member was received: holds, unless the item asks something the record cannot say."""
    if c.progressed and not c.negated:
        return _progressed_after(c, received, hits, view)
    if c.presupposed:
        return _r(None, f"{received}; whether the reaction occurred is not recorded", *hits,
                  missing=f"reactions to {c.drug_class}", kind=c.type)  # fmt: skip
    if c.investigational_only:
        return _r(None, f"{received}; whether it was given as an investigational agent is "
                  "not recorded", *hits, missing="investigational use", kind=c.type)  # fmt: skip
    if c.timing_unread:
        return _r(None, f"{received}; the protocol's time window was not read", *hits,
                  missing="timing against the protocol's window", kind=c.type)  # fmt: skip
    return _r(not c.negated, received, *hits, kind=c.type)


def _progressed_after(
    c: PriorTherapyConstraint, received: str, hits: list[RecordedFact], view: PatientView | None
) -> ConstraintResult:
    """Received, and progression recorded after its start (a finding such as "Disease
    progression" dated later); otherwise open: progression or intolerance may be unrecorded."""
    first = min((d for f in hits if (d := _day(_start_of(f)))), default=None)
    later = [
        fact
        for finding, fact in (view.findings if view else [])
        if finding.present
        and re.search(r"worsened|progressi", finding.display, re.IGNORECASE)
        and first is not None
        and (_day(finding.effective) or date.min) > first
    ]
    if later:
        return _r(True, f"{received}; progression recorded after it", *hits, *later, kind=c.type)
    return _r(None, f"{received}; progression (or intolerance) after it not recorded", *hits,
              missing="disease status after prior therapy", kind=c.type)  # fmt: skip


def _label(fact: RecordedFact) -> str:
    t = fact.fact
    assert isinstance(t, Treatment)
    dates = f"{t.start or '?'}–{t.end or ('ongoing' if (t.status or '') not in _ENDED else '?')}"
    return f"{t.name} ({dates})"


def regimens(view: PatientView) -> tuple[list[list[RecordedFact]], list[RecordedFact]]:
    """Anticancer medicines grouped into regimens by start date, and the medicines whose class
    is unknown that start outside every regimen (they may be more lines)."""
    anticancer = PriorTherapyConstraint(
        drug_class="systemic anticancer therapy",
        drugs=tuple(sorted(drugs.members()["systemic anticancer therapy"])),
    )
    known, unknown = [], []
    for treatment, fact in _courses(anticancer, view):
        start = _day(treatment.start)
        is_member = member(anticancer, treatment)
        if is_member and start:
            known.append((start, fact))
        elif is_member is None or (is_member and start is None):
            unknown.append((start, fact))
    groups: list[list[RecordedFact]] = []
    first: list[date] = []
    for start, fact in sorted(known, key=lambda p: p[0]):
        if first and start - first[-1] <= _REGIMEN_GAP:
            groups[-1].append(fact)
        else:
            groups.append([fact])
            first.append(start)
    outside = [
        f for s, f in unknown if s is None or not any(abs(s - b) <= _REGIMEN_GAP for b in first)
    ]
    return groups, outside


def prior_lines(c: PriorLinesConstraint, view: PatientView) -> ConstraintResult:
    if not view.therapy_history:
        return _r(None, "no treatment history recorded", missing="treatment history", kind=c.type)
    groups, outside = regimens(view)
    n = len(groups)
    facts = [f for g in groups for f in g]
    said = f"{n} regimen(s) of anticancer medicines (starts more than 28 days apart)"
    low_ok = c.min_lines is None or n >= c.min_lines
    high_ok = c.max_lines is None or n + len(outside) <= c.max_lines
    unsure = (c.min_lines is not None and not low_ok and outside) or (
        c.max_lines is not None and not high_ok and n <= c.max_lines
    )
    if unsure:
        return _r(None, f"{said}; class unknown: {', '.join(_label(f) for f in outside)}",
                  *facts, *outside, missing="class of the other medicines", kind=c.type)  # fmt: skip
    if low_ok and high_ok and c.progressed:
        return _progressed(c, view, groups, said, facts)
    return _r(low_ok and high_ok, said, *facts, flags=("lines_estimated",), kind=c.type)


def _progressed(
    c: PriorLinesConstraint,
    view: PatientView,
    groups: list[list[RecordedFact]],
    said: str,
    facts: list[RecordedFact],
) -> ConstraintResult:
    first = min(_day(getattr(f.fact, "start", None)) or view.today for f in groups[0])
    progression = [
        fact
        for finding, fact in view.findings
        if re.search(r"worsened|progressi", finding.display, re.IGNORECASE)
        and (_day(finding.effective) or date.min) > first
    ]
    if not progression:
        return _r(None, f"{said}; progression after them not recorded", *facts,
                  missing="disease status after prior therapy", kind=c.type)  # fmt: skip
    return _r(True, f"{said}; progression recorded", *facts, *progression,
              flags=("lines_estimated",), kind=c.type)  # fmt: skip
