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
    timing = "ongoing" if c.current else f"within {c.within_days} days" if c.within_days else "ever"
    hits, unsure = [], []
    for treatment, fact in _courses(c, view):
        if c.modality == "surgery":
            # no site named ("major surgery"): any operation may be one, never surely
            named = any(w in treatment.name.lower() for w in c.drugs)
            is_member: bool | None = named if c.drugs else None
        else:
            is_member = member(c, treatment) if c.modality == "medicine" else True
        when = _in_time(c, treatment, view.today)
        if is_member and when:
            hits.append(fact)
        elif is_member is not False and when is not False:
            unsure.append(fact)
    what = f"{c.drug_class} ({timing})"
    if hits:
        return _received(c, f"{what}: {', '.join(_label(f) for f in hits)}", hits)
    if unsure:
        return _r(None, f"{what}: cannot tell whether {', '.join(_label(f) for f in unsure)} "
                  "belongs to the class", *unsure, missing=f"class of {_label(unsure[0])}",
                  kind=c.type)  # fmt: skip
    courses = [f for _, f in _courses(c, view)]
    return _r(c.negated, f"{what}: none in the recorded treatment history", *courses[:8],
              kind=c.type)  # fmt: skip


def _received(
    c: PriorTherapyConstraint, received: str, hits: list[RecordedFact]
) -> ConstraintResult:
    """A member was received: holds, unless the item asks something the record cannot say."""
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
