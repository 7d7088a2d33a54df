# SPDX-License-Identifier: Apache-2.0
"""Prior therapy and prior line constraints against one patient."""

from __future__ import annotations

from oncoboard.record.service import describe
from oncoboard.trials.schemas import ConstraintResult, PriorLinesConstraint, PriorTherapyConstraint
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r


def prior_therapy(c: PriorTherapyConstraint, view: PatientView) -> ConstraintResult:
    flags = ("negated",) if c.negated else ()
    if not view.treatments:
        return _r(
            None,
            "no treatment history recorded",
            missing="treatment history",
            flags=flags,
            kind=c.type,
        )
    given = [f for name, f in view.treatments if any(d in name for d in c.drugs)]
    received = bool(given)
    what = f"{c.drug_class}: {'received ' + ', '.join(describe(f.fact) for f in given) if given else 'none in the recorded treatment history'}"
    return _r(received != c.negated, what, *given, flags=flags, kind=c.type)


def prior_lines(c: PriorLinesConstraint, view: PatientView) -> ConstraintResult:
    if not view.treatments:
        return _r(None, "no treatment history recorded", missing="treatment history", kind=c.type)
    starts = {
        getattr(f.fact, "start", None) or f"undated {i}" for i, (_, f) in enumerate(view.treatments)
    }
    lines = len(starts)
    ok = (c.min_lines is None or lines >= c.min_lines) and (
        c.max_lines is None or lines <= c.max_lines
    )
    return _r(
        ok,
        f"{lines} line(s), counted as distinct medication start dates",
        *(f for _, f in view.treatments),
        flags=("lines_estimated",),
        kind=c.type,
    )
