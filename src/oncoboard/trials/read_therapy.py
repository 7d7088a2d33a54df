# SPDX-License-Identifier: Apache-2.0
"""Readers for prior-therapy and prior-line phrases in one eligibility item."""

from __future__ import annotations

import re
from collections.abc import Iterator

from oncoboard.trials.schemas import Found, PriorLinesConstraint, PriorTherapyConstraint
from oncoboard.trials.vocabulary import DRUG_CLASS_PATTERNS, DRUG_CLASSES

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4}

_LINES_MIN = re.compile(
    r"\bat least (?P<n>one|two|three|\d) (?:prior )?(?:lines? of )?systemic "
    r"(?:chemotherapy )?(?:therap(?:y|ies)|regimens?)",
    re.IGNORECASE,
)

_LINES_MAX = re.compile(
    r"\bno more than (?P<n>one|two|three|four|\d) (?:prior )?lines? of systemic", re.I
)

_PRIOR = re.compile(r"\b(?:prior|previous(?:ly)?|received|treatment with|therapy with)\b", re.I)


def lines(text: str) -> Iterator[Found]:
    for m in _LINES_MIN.finditer(text):
        n = _NUMBERS.get(m["n"].lower()) or int(m["n"])
        yield m.start(), m.end(), PriorLinesConstraint(min_lines=n)
    for m in _LINES_MAX.finditer(text):
        n = _NUMBERS.get(m["n"].lower()) or int(m["n"])
        yield m.start(), m.end(), PriorLinesConstraint(max_lines=n)


def prior_therapies(text: str, section: str) -> Iterator[Found]:
    if not _PRIOR.search(text):
        return
    del section  # negation ("no prior …") is read by ``negation`` for every constraint
    for pattern, name in DRUG_CLASS_PATTERNS:
        for m in pattern.finditer(text):
            yield (
                m.start(),
                m.end(),
                PriorTherapyConstraint(drug_class=name, drugs=DRUG_CLASSES[name]),
            )
