# SPDX-License-Identifier: Apache-2.0
"""Age, sex, ECOG and pregnancy constraints against one patient."""

from __future__ import annotations

import re
from datetime import date

from oncoboard.trials.schemas import (
    AgeConstraint,
    ConstraintResult,
    EcogConstraint,
    PregnancyConstraint,
    SexConstraint,
)
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r

_PREGNANT = re.compile(r"\bpregnan", re.IGNORECASE)
# a recorded menopausal status (the clinician's, not derived from age)
_POSTMENOPAUSAL = re.compile(r"\bpost-?menopaus(?:al|e)\b", re.IGNORECASE)
_NOT_PREGNANT = re.compile(r"\bnot pregnant\b|\bnon-?pregnant\b", re.IGNORECASE)
_LACTATING = re.compile(r"breast-?feeding|lactat", re.IGNORECASE)
_HCG = re.compile(r"choriogonadotropin|\bb?-?hCG\b|pregnancy test", re.IGNORECASE)
_NEGATIVE = re.compile(r"^\s*(?:negative|not detected|absent)\b", re.IGNORECASE)
_POSITIVE = re.compile(r"^\s*(?:positive|detected|present)\b", re.IGNORECASE)


def age_bounds(c: AgeConstraint) -> str:
    """``18–72 years``, ``≥ 18 years``, ``< 75 years`` (never ``18.0–-``).

    Examples
    --------
    >>> age_bounds(AgeConstraint(min_years=18.0))
    '≥ 18 years'
    >>> age_bounds(AgeConstraint(min_years=18, max_years=72))
    '18–72 years'
    """
    low, high = c.min_years, c.max_years
    if low is not None and high is not None and c.min_inclusive and c.max_inclusive:
        return f"{low:g}–{high:g} years"
    parts = []
    if low is not None:
        parts.append(f"{'≥' if c.min_inclusive else '>'} {low:g}")
    if high is not None:
        parts.append(f"{'≤' if c.max_inclusive else '<'} {high:g}")
    return (" and ".join(parts) or "any age") + " years"


def age(c: AgeConstraint, view: PatientView) -> ConstraintResult:
    demo = view.demographics
    if view.age is None:
        said = "; ".join(demo.conflicts) or "age not recorded"
        return _r(None, said, missing="age or birth date", kind=c.type)
    years, fact = view.age
    low_ok = c.min_years is None or (
        years >= c.min_years if c.min_inclusive else years > c.min_years
    )
    high_ok = c.max_years is None or (
        years <= c.max_years if c.max_inclusive else years < c.max_years
    )
    source = "from the birth date" if demo.age_from_birth_date else "as the source states it"
    flags = () if demo.age_from_birth_date else ("age_as_recorded",)
    return _r(
        low_ok and high_ok,
        f"age {years:g} years ({source}) vs {age_bounds(c)}",
        fact,
        flags=flags,
        kind=c.type,
    )


def sex(c: SexConstraint, view: PatientView) -> ConstraintResult:
    if view.sex is None:
        said = "; ".join(x for x in view.demographics.conflicts if x.startswith("sex"))
        return _r(None, said or "sex not recorded", missing="sex", kind=c.type)
    holds = view.sex[0] == c.sex
    flags = () if holds else ("decisive",)
    return _r(holds, f"sex {view.sex[0]} (trial: {c.sex})", view.sex[1], flags=flags, kind=c.type)


def ecog(c: EcogConstraint, view: PatientView) -> ConstraintResult:
    if view.ecog is None:
        note = " (only Karnofsky recorded; not converted)" if view.karnofsky_only else ""
        return _r(None, f"ECOG not recorded{note}", missing="ECOG performance status", kind=c.type)
    score, fact = view.ecog
    return _r(
        score in c.allowed, f"ECOG {score} vs {'/'.join(map(str, c.allowed))}", fact, kind=c.type
    )


def pregnancy(c: PregnancyConstraint, view: PatientView) -> ConstraintResult:
    """Pregnant or breastfeeding: never for a male patient; for a female patient only from a
    recorded pregnancy status and breastfeeding status (both needed to say "neither")."""
    if view.sex is not None and view.sex[0] == "male":
        return _r(False, "male patient", view.sex[1], flags=("decisive",), kind=c.type)
    postmenopausal = [
        fact for f, fact in view.findings if f.present and _POSTMENOPAUSAL.search(f.display)
    ]
    if c.childbearing_only and postmenopausal:
        return _r(False, "not of childbearing potential: postmenopausal recorded",
                  *postmenopausal, flags=("decisive",), kind=c.type)  # fmt: skip
    pregnant = [(f, fact) for f, fact in view.findings if _PREGNANT.search(f.display)]
    lactating = [(f, fact) for f, fact in view.findings if _LACTATING.search(f.display)]
    yes = [
        fact
        for f, fact in pregnant + lactating
        if f.present and not _NOT_PREGNANT.search(f.display)
    ]
    if yes:
        return _r(True, "pregnancy or breastfeeding recorded", *yes, kind=c.type)
    if c.test_within_days is not None and not c.breastfeeding:
        # a recorded pregnancy wins over an earlier negative test (checked above)
        return _pregnancy_test(c.test_within_days, view)
    not_pregnant = [
        fact for f, fact in pregnant if _NOT_PREGNANT.search(f.display) or not f.present
    ]
    not_lactating = [fact for f, fact in lactating if not f.present]
    if c.breastfeeding and not_pregnant and not not_lactating:
        return _r(
            None,
            "not pregnant; breastfeeding status not recorded",
            *not_pregnant,
            missing="breastfeeding status",
            kind=c.type,
        )
    if not_pregnant:
        said = "not pregnant" + (", not breastfeeding" if not_lactating else "")
        return _r(False, said, *not_pregnant, *not_lactating, kind=c.type)
    return _r(
        None,
        "pregnancy / breastfeeding status not recorded",
        missing="pregnancy status",
        kind=c.type,
    )


def _pregnancy_test(days: int, view: PatientView) -> ConstraintResult:
    """The latest pregnancy test (hCG) of the last ``days`` days: negative shows "not
    pregnant", positive "pregnant"; none in the window leaves it to the screening visit."""
    dated = []
    for result, fact in view.labs:
        if not _HCG.search(result.name) or not result.effective:
            continue
        try:
            age = (view.today - date.fromisoformat(result.effective[:10])).days
        except ValueError:
            continue
        if 0 <= age <= days:
            dated.append((result.effective, age, result, fact))
    for effective, age, result, fact in sorted(dated, key=lambda d: d[0], reverse=True):
        text = result.value_text or ""
        when = f"on {effective[:10]} ({age} days before screening; window {days} days)"
        if _NEGATIVE.search(text):
            return _r(False, f"pregnancy test negative {when}", fact, kind="pregnancy")
        if _POSITIVE.search(text):
            return _r(True, f"pregnancy test positive {when}", fact, kind="pregnancy")
    return _r(None, f"no pregnancy test recorded in the {days} days before screening",
              missing=f"pregnancy test within {days} days", kind="pregnancy")  # fmt: skip
