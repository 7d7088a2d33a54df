# SPDX-License-Identifier: Apache-2.0
"""Allergy to the study treatment against the record's allergy list.

"Not allergic" is concluded only from a recorded "no known medication allergies" (or "no known
allergies"), never from an empty list. A recorded medication allergy decides "met" only when the
text names that drug and asks for no severity; any other recorded medication allergy is shown
for a clinician (it may or may not concern the study treatment's class or excipients). Food and
environmental allergies do not bear on a drug allergy item.
"""

from __future__ import annotations

import re

from oncoboard.trials.schemas import ConstraintResult, DrugAllergyConstraint
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r

# "Allergy (medication): Aspirin" recorded; "Allergy (medication)" absent: none known
_ALLERGY = re.compile(r"^Allergy \((?P<category>[^)]*)\)(?:: (?P<what>.*))?$")
_INACTIVE = ("inactive", "resolved")
_NOT_DRUG = frozenset({"food", "environment", "food/environment", "environment/food"})


def drug_allergy(c: DrugAllergyConstraint, view: PatientView) -> ConstraintResult:
    present, none_known = [], []
    for f, fact in view.findings:
        m = _ALLERGY.match(f.display)
        if m is None:
            continue
        category, what = m["category"], m["what"]
        if not f.present:
            if what is None and category in ("any", "medication"):
                none_known.append(fact)
            continue
        if category not in _NOT_DRUG and (f.clinical_status or "active") not in _INACTIVE:
            present.append((what or "substance not named", fact))
    if present:
        listed = ", ".join(what for what, _ in present)
        named = [fact for what, fact in present if any(d in what.lower() for d in c.drugs)]
        if named and not c.qualified:
            return _r(True, f"allergy to a drug the item names recorded: {listed}", *named,
                      kind=c.type)  # fmt: skip
        return _r(None, f"medication allergy recorded ({listed}); whether it concerns the study "
                  "treatment, its class or excipients needs a clinician",
                  *(fact for _, fact in present), missing="clinical judgement",
                  kind=c.type)  # fmt: skip
    if none_known:
        return _r(False, "no known medication allergies recorded", *none_known, kind=c.type)
    return _r(None, "allergy status not recorded", missing="allergy status", kind=c.type)
