# SPDX-License-Identifier: Apache-2.0
"""Creatinine clearance estimated by Cockcroft–Gault when no measured clearance is recorded.

CrCl (mL/min) = (140 − age) × weight (kg) / (72 × serum creatinine (mg/dL)), × 0.85 for women
(Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine. Nephron
1976;16(1):31-41), with the actual body weight as in the original paper. A threshold per 1.73 m²
is compared after normalising by the Mosteller body-surface area, √(height cm × weight kg / 3600)
(Mosteller RD. N Engl J Med 1987;317(17):1098). An estimate is only an estimate: it decides
only when it lies at least 10 % away from the threshold, and it needs age, sex, a weight and a
creatinine result of the last 28 days; otherwise the answer stays unknown, naming what is missing.
"""

from __future__ import annotations

import math
import re
from datetime import date

from oncoboard.record.schemas import LabResult, RecordedFact
from oncoboard.trials.schemas import ConstraintResult, LabConstraint
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r

_WEIGHT, _HEIGHT, _CREATININE = ("29463-7",), ("8302-2",), ("2160-0", "38483-4", "14682-9")
_KG = {"kg": 1.0, "g": 0.001, "[lb_av]": 0.45359237, "lb": 0.45359237, "lbs": 0.45359237}
_CM = {"cm": 1.0, "m": 100.0, "[in_i]": 2.54, "in": 2.54}
_MG_DL = {"mg/dl": 1.0, "umol/l": 1 / 88.4, "µmol/l": 1 / 88.4, "μmol/l": 1 / 88.4}
MARGIN = 0.10
RECENT_DAYS = 28


def _latest(
    view: PatientView, codes: tuple[str, ...], name: str
) -> tuple[LabResult, RecordedFact] | None:
    pattern = re.compile(name, re.IGNORECASE)
    found = [
        (r, f)
        for r, f in view.labs
        if r.value_number is not None and (r.code in codes or pattern.search(r.name))
    ]
    found.sort(key=lambda p: p[0].effective or "")
    return found[-1] if found else None


def _value(found: tuple[LabResult, RecordedFact] | None, units: dict[str, float]) -> float | None:
    if found is None or found[0].value_number is None:
        return None
    factor = units.get((found[0].unit or "").strip().lower())
    if factor is None:
        factor = units.get((found[0].unit or "").strip())
    return None if factor is None else found[0].value_number * factor


def _recent(found: tuple[LabResult, RecordedFact] | None, today: date) -> bool:
    if found is None or not found[0].effective:
        return False
    try:
        when = date.fromisoformat(found[0].effective[:10])
    except ValueError:
        return False
    return (today - when).days <= RECENT_DAYS


def cockcroft_gault(c: LabConstraint, view: PatientView) -> ConstraintResult:
    """The threshold against the estimated clearance, or unknown naming what is missing."""
    weight = _latest(view, _WEIGHT, r"body weight")
    creatinine = _latest(view, _CREATININE, r"\bcreatinine\b(?!.*(?:clearance|ratio|urine))")
    height = _latest(view, _HEIGHT, r"body height")
    missing = [
        name
        for name, ok in (
            ("age", view.age is not None),
            ("sex", view.sex is not None and view.sex[0] in ("female", "male")),
            ("body weight of the last 28 days", _recent(weight, view.today)),
            ("creatinine of the last 28 days", _recent(creatinine, view.today)),
            ("height", c.unit != "mL/min/1.73m2" or height is not None),
        )
        if not ok
    ]
    kg, cr, cm = _value(weight, _KG), _value(creatinine, _MG_DL), _value(height, _CM)
    wanted = f"CrCl {c.op} {c.value:g} {c.unit}"
    if missing or kg is None or not cr or view.age is None or view.sex is None:
        return _r(None, f"{wanted}: no measured clearance; Cockcroft–Gault needs "
                  f"{', '.join(missing) or 'convertible units'}",
                  missing="creatinine clearance (or the values to estimate it)",
                  kind=c.type)  # fmt: skip
    years = view.age[0]
    estimate = (140 - years) * kg / (72 * cr) * (0.85 if view.sex[0] == "female" else 1.0)
    shown = f"{estimate:.0f} mL/min"
    if c.unit == "mL/min/1.73m2":
        if cm is None:
            return _r(None, f"{wanted}: height needed", missing="height", kind=c.type)
        bsa = math.sqrt(cm * kg / 3600)
        estimate = estimate * 1.73 / bsa
        shown += f" = {estimate:.0f} mL/min/1.73 m² (BSA {bsa:.2f} m²)"
    facts = [f for f in (weight, creatinine, height) if f is not None]
    said = (
        f"{wanted}: estimated {shown} by Cockcroft–Gault from age {years:g}, "
        f"{view.sex[0]}, weight {kg:.0f} kg, creatinine {cr:.2f} mg/dL"
    )
    used = (view.sex[1], *(f[1] for f in facts))
    if abs(estimate - c.value) < MARGIN * c.value:
        return _r(None, f"{said}: within 10 % of the threshold, an estimate cannot decide",
                  *used, missing="measured creatinine clearance", kind=c.type)  # fmt: skip
    holds = {
        ">=": estimate >= c.value,
        ">": estimate > c.value,
        "<=": estimate <= c.value,
        "<": estimate < c.value,
    }[c.op]
    return _r(holds, said, *used, flags=("crcl_estimated",), kind=c.type)
