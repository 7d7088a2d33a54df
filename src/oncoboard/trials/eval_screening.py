# SPDX-License-Identifier: Apache-2.0
"""Recent major surgery and investigational agents against the recorded treatment history.

As for prior therapy, the record's dated treatment history is taken as complete: with a
history recorded, no procedure (no anticancer medicine) dated inside the window rules the item
out, and the last one before it is named. Whether a procedure inside the window was "major", or
an anticancer medicine given inside it was investigational, is left to a clinician; so these
items are never concluded "met". The window is counted back from the screening date; the first
dose comes later, so an event outside the window stays outside it.
"""

from __future__ import annotations

from datetime import date

from oncoboard.record.schemas import RecordedFact, Treatment
from oncoboard.trials.drugs import members
from oncoboard.trials.schemas import ConstraintResult, RecentEventConstraint
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r

_CANCER_WORDS = ("cancer", "carcinoma", "neoplasm", "tumour", "tumor", "malignan", "sarcoma",
                 "lymphoma", "leuka", "leuke", "melanoma", "metasta")  # fmt: skip


def recent_event(c: RecentEventConstraint, view: PatientView) -> ConstraintResult:
    if not view.therapy_history:
        return _r(None, "no treatment history recorded", missing="treatment history",
                  kind=c.type)  # fmt: skip
    relevant = [f for f in view.therapy_history if _counts(c, f.fact)]  # type: ignore[arg-type]
    what = "surgical procedure" if c.event == "major_surgery" else "anticancer medicine"
    inside, undated, last = [], [], None
    for fact in relevant:
        treatment: Treatment = fact.fact  # type: ignore[assignment]
        days = _days_since_end(treatment, view.today)
        if days is None:
            undated.append(fact)
        elif days <= c.within_days:
            inside.append(fact)
        elif last is None or days < last[0]:
            last = (days, fact)
    if inside:
        names = ", ".join(_named(f) for f in inside)
        judged = "major" if c.event == "major_surgery" else "investigational"
        return _r(None, f"{what} within {c.within_days} days: {names}; whether it was {judged} "
                  "needs a clinician", *inside, missing="clinical judgement",
                  kind=c.type)  # fmt: skip
    if undated:
        return _r(None, f"{what} recorded without a date", *undated,
                  missing=f"date of the {what}", kind=c.type)  # fmt: skip
    before = f"; the last: {_named(last[1])}, {last[0]} days before screening" if last else ""
    facts = [last[1]] if last else list(view.therapy_history[:1])
    return _r(False, f"no {what} in the recorded treatment history within {c.within_days} days "
              f"before screening{before}", *facts, kind=c.type)  # fmt: skip


def _counts(c: RecentEventConstraint, treatment: Treatment) -> bool:
    if c.event == "major_surgery":
        return treatment.category == "procedure"
    if treatment.category != "medication":
        return False
    name = treatment.name.lower()
    anticancer = any(d in name for d in members()["systemic anticancer therapy"])
    treats_cancer = any(w in (treatment.reason or "").lower() for w in _CANCER_WORDS)
    # a medicine named by a code ("MK-1084") or called investigational may be a study drug
    coded = any(ch.isdigit() for ch in name) or "investigational" in name or "study" in name
    return anticancer or treats_cancer or coded


def _days_since_end(treatment: Treatment, today: date) -> int | None:
    """Days from the end of the treatment (ongoing: 0) to the screening date."""
    if treatment.category == "medication" and not treatment.end:
        ongoing = (treatment.status or "active") in ("active", "on-hold", "intended")
        return 0 if ongoing else None
    when = treatment.end or treatment.start
    if not when:
        return None
    try:
        return (today - date.fromisoformat(when[:10])).days
    except ValueError:
        return None


def _named(fact: RecordedFact) -> str:
    treatment: Treatment = fact.fact  # type: ignore[assignment]
    when = treatment.end or treatment.start or "undated"
    return f"{treatment.name} ({when[:10]})"
