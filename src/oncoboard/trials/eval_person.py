# SPDX-License-Identifier: Apache-2.0
"""Age, sex, ECOG, pregnancy and laboratory constraints against one patient."""

from __future__ import annotations

from oncoboard.trials.schemas import (
    AgeConstraint,
    ConstraintResult,
    EcogConstraint,
    LabConstraint,
    PregnancyConstraint,
    SexConstraint,
)
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r


def age(c: AgeConstraint, view: PatientView) -> ConstraintResult:
    if view.age is None:
        return _r(None, "age not recorded", missing="age or birth date", kind=c.type)
    years, fact = view.age
    low_ok = c.min_years is None or (
        years >= c.min_years if c.min_inclusive else years > c.min_years
    )
    high_ok = c.max_years is None or (
        years <= c.max_years if c.max_inclusive else years < c.max_years
    )
    bounds = f"{c.min_years if c.min_years is not None else '-'}–{c.max_years if c.max_years is not None else '-'}"
    return _r(low_ok and high_ok, f"age {years:g} years vs {bounds}", fact, kind=c.type)


def sex(c: SexConstraint, view: PatientView) -> ConstraintResult:
    if view.sex is None:
        return _r(None, "sex not recorded", missing="sex", kind=c.type)
    return _r(view.sex[0] == c.sex, f"sex {view.sex[0]} (trial: {c.sex})", view.sex[1], kind=c.type)


def ecog(c: EcogConstraint, view: PatientView) -> ConstraintResult:
    if view.ecog is None:
        note = " (only Karnofsky recorded; not converted)" if view.karnofsky_only else ""
        return _r(None, f"ECOG not recorded{note}", missing="ECOG performance status", kind=c.type)
    score, fact = view.ecog
    return _r(
        score in c.allowed, f"ECOG {score} vs {'/'.join(map(str, c.allowed))}", fact, kind=c.type
    )


def lab(c: LabConstraint, view: PatientView) -> ConstraintResult:
    # the record model has no laboratory facts yet: every lab threshold is unknown
    return _r(
        None,
        f"{c.analyte} {c.op} {c.value:g} {c.unit}: no laboratory results in the record",
        missing=f"{c.analyte} result",
        kind=c.type,
    )


def pregnancy(c: PregnancyConstraint, view: PatientView) -> ConstraintResult:
    if view.sex is not None and view.sex[0] == "male":
        return _r(False, "male patient", view.sex[1], kind=c.type)
    return _r(
        None,
        "pregnancy / breastfeeding status not recorded",
        missing="pregnancy status",
        kind=c.type,
    )
