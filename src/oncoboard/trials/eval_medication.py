# SPDX-License-Identifier: Apache-2.0
"""Whether a patient is on antiretroviral therapy now, from the current medicines one by one.

No maintained drug-class source installs offline here (docs/trials.md), so no list of
antiretroviral names is authored. A current medicine rules itself out only when it is a known
anticancer drug (``drugs``: MOAlmanac) or when the record says what it is given for and that is
not an infection, HIV or a prophylaxis (nobody takes an antiretroviral for asthma). A name with
the antiviral INN stem "-vir" is shown for review; an empty medication list decides nothing.
"""

from __future__ import annotations

import re

from oncoboard.record.schemas import RecordedFact, Treatment
from oncoboard.trials.drugs import members
from oncoboard.trials.schemas import ConstraintResult, CurrentAntiretroviralConstraint
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r

_ENDED = ("stopped", "completed", "cancelled", "entered-in-error", "ended")
# what an antiretroviral may be given for: HIV, hepatitis B, an exposure, prophylaxis
_INFECTIOUS_REASON = re.compile(
    r"HIV|human immunodeficiency|hepatitis|HBV|infect|prophyla|exposure|viral|virus", re.I
)
# the WHO INN stem "-vir" (antivirals), as in "-gravir", "-navir", "-buvir", "-virine"
_ANTIVIRAL_NAME = re.compile(r"vir|udine\b", re.IGNORECASE)


def _current(t: Treatment) -> bool:
    return t.category == "medication" and (t.status or "").lower() not in _ENDED and not t.end


def _anticancer(name: str) -> bool:
    words = name.lower()
    return any(drug in words for drug in members()["systemic anticancer therapy"])


def current_antiretroviral(
    c: CurrentAntiretroviralConstraint, view: PatientView
) -> ConstraintResult:
    current = [
        (f.fact, f) for f in view.therapy_history if isinstance(f.fact, Treatment) and _current(f.fact)
    ]  # fmt: skip
    if not current:
        return _r(None, "no current medicines recorded", missing="current medicines", kind=c.type)
    cleared: list[str] = []
    open_: list[tuple[str, RecordedFact]] = []
    for t, fact in current:
        if _ANTIVIRAL_NAME.search(t.name):
            open_.append((f"{t.name} (an antiviral name)", fact))
        elif _anticancer(t.name):
            cleared.append(f"{t.name} (anticancer)")
        elif t.reason and not _INFECTIOUS_REASON.search(t.reason):
            cleared.append(f"{t.name} (for {t.reason})")
        else:
            open_.append((f"{t.name} ({'for ' + t.reason if t.reason else 'no reason recorded'})", fact))  # fmt: skip
    facts = [fact for _, fact in current]
    if open_:
        listed = ", ".join(name for name, _ in open_)
        return _r(None, f"whether a current medicine is antiretroviral needs review: {listed}",
                  *facts, missing="clinical judgement", kind=c.type)  # fmt: skip
    return _r(False, f"no antiretroviral among the current medicines: {', '.join(cleared)}",
              *facts, kind=c.type)  # fmt: skip
