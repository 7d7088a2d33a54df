# SPDX-License-Identifier: Apache-2.0
"""Recent major surgery, investigational agents and live vaccines against the recorded
treatment and immunization history.

As for prior therapy, the record's dated treatment history is taken as complete: with a
history recorded, no procedure (no anticancer medicine) dated inside the window rules the item
out, and the last one before it is named. Whether a procedure inside the window was "major", or
an anticancer medicine given inside it was investigational, is left to a clinician; so these
items are never concluded "met". The window is counted back from the screening date; the first
dose comes later, so an event outside the window stays outside it.

Live vaccines: only the recorded immunizations count (none recorded: unknown). A vaccine inside
the window is "live" when its name says so (CVX names do: "zoster vaccine, live"), not live when
its name says inactivated / mRNA / toxoid / recombinant / polysaccharide / conjugate, and left to
a clinician otherwise.
"""

from __future__ import annotations

import re
from datetime import date

from oncoboard.record.schemas import RecordedFact, Treatment
from oncoboard.trials.drugs import members
from oncoboard.trials.schemas import ConstraintResult, RecentEventConstraint
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r

_CANCER_WORDS = ("cancer", "carcinoma", "neoplasm", "tumour", "tumor", "malignan", "sarcoma",
                 "lymphoma", "leuka", "leuke", "melanoma", "metasta")  # fmt: skip


_IMMUNIZATION = "Immunization: "
_LIVE = re.compile(r"\blive\b|attenuated", re.IGNORECASE)
_NOT_LIVE = re.compile(
    r"inactivated|\bmRNA\b|toxoid|recombinant|polysaccharide|conjugate|subunit", re.IGNORECASE
)


def recent_event(c: RecentEventConstraint, view: PatientView) -> ConstraintResult:
    if c.event == "live_vaccine":
        return _live_vaccine(c, view)
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
        return _r(None, f"{what} {_window(c)}: {names}; whether it was {judged} "
                  "needs a clinician", *inside, missing="clinical judgement",
                  kind=c.type)  # fmt: skip
    if undated:
        return _r(None, f"{what} recorded without a date", *undated,
                  missing=f"date of the {what}", kind=c.type)  # fmt: skip
    before = f"; the last: {_named(last[1])}, {last[0]} days before screening" if last else ""
    facts = [last[1]] if last else list(view.therapy_history[:1])
    return _r(False, f"no {what} in the recorded treatment history {_window(c)}{before}",
              *facts, kind=c.type)  # fmt: skip


def _window(c: RecentEventConstraint) -> str:
    if c.within_days == 0:
        return "ongoing at screening"
    return f"within {c.within_days} days before screening"


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


def _live_vaccine(c: RecentEventConstraint, view: PatientView) -> ConstraintResult:
    given = [(f, fact) for f, fact in view.findings
             if f.display.startswith(_IMMUNIZATION) and f.present]  # fmt: skip
    if not given:
        return _r(None, "no immunization history recorded", missing="immunization history",
                  kind=c.type)  # fmt: skip
    dated = [(f, fact, _days_ago(f.effective, view.today)) for f, fact in given]
    inside = [(f, fact) for f, fact, days in dated if days is None or days <= c.within_days]
    live = [(f, fact) for f, fact in inside if _LIVE.search(f.display)]
    if live:
        names = "; ".join(f"{f.display[len(_IMMUNIZATION) :]} ({f.effective or 'undated'})"
                          for f, _ in live)  # fmt: skip
        return _r(True, f"live vaccine within {c.within_days} days: {names}",
                  *(fact for _, fact in live), kind=c.type)  # fmt: skip
    unclear = [fact for f, fact in inside if not _NOT_LIVE.search(f.display)]
    if unclear:
        return _r(None, f"vaccine within {c.within_days} days (or undated) whose name does not "
                  "say whether it is live", *unclear, missing="vaccine type",
                  kind=c.type)  # fmt: skip
    last = min(((days, fact) for _, fact, days in dated if days is not None),
               key=lambda p: p[0], default=None)  # fmt: skip
    said = f"; the last: {last[0]} days before screening" if last else ""
    facts = [fact for _, fact in inside] or ([last[1]] if last else [])
    return _r(False, f"no live vaccine in the recorded immunizations within {c.within_days} "
              f"days before screening{said}", *facts, kind=c.type)  # fmt: skip


def _days_ago(when: str | None, today: date) -> int | None:
    if not when:
        return None
    try:
        return (today - date.fromisoformat(when[:10])).days
    except ValueError:
        return None
