# SPDX-License-Identifier: Apache-2.0
"""Age and sex read from a patient description and a trial text; mismatches lower a trial.

Deliberately modest: only statements that the texts make in a few fixed phrasings are used
("a 58-year-old man"; "aged 18 to 65 years", "women", "children"). Anything else is unknown and
never counts against a trial. The trial texts in a pool are summaries, not eligibility criteria,
so these are hints; the criteria-based matcher elsewhere in ``oncoboard.trials`` is the real check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Sex = Literal["female", "male"]

_AGE = re.compile(
    r"\b(\d{1,3})(?:[- ](year|month|week|day)s?[- ]old\b|\s*(?:yo|y/o|y\.o\.)(?=\W))", re.I
)
_FEMALE = re.compile(r"\b(woman|women|girl|female|lady|mother|wife|she|her)\b", re.I)
_MALE = re.compile(r"\b(man|men|boy|male|gentleman|father|husband|he|his)\b", re.I)
_FEMALE_ONLY = re.compile(
    r"\b(women|woman|females?|girls|mothers|pregnan\w*|postmenopausal|premenopausal)\b", re.I
)
_MALE_ONLY = re.compile(r"\b(men|males?|boys|fathers)\b", re.I)
_MIXED = re.compile(
    r"\b(couples?|partners?|both sexes|men and women|women and men|boys and girls)\b", re.I
)
_CHILDREN = re.compile(
    r"\b(children|child|pediatric|paediatric|infants?|newborns?|neonat\w*|toddlers?|kids)\b", re.I
)
_ADULTS = re.compile(r"\b(adults?|women|men|elderly|mothers|parents|older)\b", re.I)
_UNIT = r"(years?|months?)"
_RANGE = re.compile(
    rf"\b(?:aged?|ages)\s+(?:of\s+|between\s+|from\s+)*(\d{{1,3}})\s*{_UNIT}?\s*"
    rf"(?:to|-|–|and|through)\s*(\d{{1,3}})\s*{_UNIT}",
    re.I,
)
_BETWEEN = re.compile(
    rf"\bbetween\s+(\d{{1,3}})\s+and\s+(\d{{1,3}})\s+{_UNIT}\s+(?:of\s+age|old)", re.I
)
_AT_LEAST = re.compile(
    rf"(?:\b(\d{{1,3}})\s+{_UNIT}\s+(?:of\s+age\s+|old\s+)?(?:and|or)\s+(?:older|over|above)"
    rf"|\b(?:aged?|ages)\s+(?:over|above|greater than|older than|at least|>=?|≥)\s*(\d{{1,3}}))",
    re.I,
)
_AT_MOST = re.compile(
    rf"(?:\b(\d{{1,3}})\s+{_UNIT}\s+(?:of\s+age\s+|old\s+)?(?:and|or)\s+(?:younger|under|less)"
    rf"|\b(?:aged?|ages)\s+(?:under|below|less than|younger than|<=?|≤)\s*(\d{{1,3}}))",
    re.I,
)
ADULT_AGE = 18  # ClinicalTrials.gov's "Adult" age group starts at 18 (ct.gov glossary)


@dataclass(frozen=True)
class Patient:
    """What could be read from a case description; None when the text does not say."""

    age: float | None
    sex: Sex | None


def read_patient(text: str) -> Patient:
    """Age in years and sex from phrases like "a 36-year-old woman".

    Examples
    --------
    >>> read_patient("A 15-year-old girl presents with abdominal pain.")
    Patient(age=15.0, sex='female')
    """
    age: float | None = None
    match = _AGE.search(text)
    if match:
        value, unit = float(match.group(1)), (match.group(2) or "year").lower()
        age = value / {"year": 1, "month": 12, "week": 52, "day": 365}[unit]
    females, males = len(_FEMALE.findall(text)), len(_MALE.findall(text))
    sex: Sex | None = None
    if females > males:
        sex = "female"
    elif males > females:
        sex = "male"
    return Patient(age=age, sex=sex)


def _years(value: str, unit: str | None) -> float:
    return float(value) / (12 if unit and unit.lower().startswith("month") else 1)


def age_ranges(text: str) -> list[tuple[float, float]]:
    """Age ranges (years, inclusive) a trial text states in a recognised phrasing."""
    ranges = [
        (_years(m.group(1), m.group(2) or m.group(4)), _years(m.group(3), m.group(4)))
        for m in _RANGE.finditer(text)
    ]
    ranges += [
        (_years(m.group(1), m.group(3)), _years(m.group(2), m.group(3)))
        for m in _BETWEEN.finditer(text)
    ]
    ranges += [(float(m.group(1) or m.group(3)), 200.0) for m in _AT_LEAST.finditer(text)]
    ranges += [(0.0, float(m.group(1) or m.group(3))) for m in _AT_MOST.finditer(text)]
    return [(low, high) for low, high in ranges if low <= high]


def trial_sex(text: str) -> Sex | None:
    """The one sex a trial text speaks of, when it speaks of only one."""
    if _MIXED.search(text):
        return None
    female, male = bool(_FEMALE_ONLY.search(text)), bool(_MALE_ONLY.search(text))
    if female and not male:
        return "female"
    if male and not female:
        return "male"
    return None


def mismatches(patient: Patient, text: str) -> list[str]:
    """Reasons the trial text contradicts the patient; empty when nothing contradicts."""
    reasons: list[str] = []
    if patient.sex is not None:
        sex = trial_sex(text)
        if sex is not None and sex != patient.sex:
            reasons.append(f"trial text speaks only of {sex} participants")
    if patient.age is None:
        return reasons
    ranges = age_ranges(text)
    if ranges and not any(low - 1 <= patient.age <= high + 1 for low, high in ranges):
        reasons.append(f"age {patient.age:g} outside the stated range(s) {ranges}")
    elif (
        not ranges
        and patient.age >= ADULT_AGE + 3
        and _CHILDREN.search(text)
        and not _ADULTS.search(text)
    ):
        reasons.append("trial text speaks only of children")
    return reasons
