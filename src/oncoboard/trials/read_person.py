# SPDX-License-Identifier: Apache-2.0
"""Readers for age, ECOG and pregnancy phrases in one eligibility item."""

from __future__ import annotations

import re
from collections.abc import Iterator

from oncoboard.trials.schemas import AgeConstraint, EcogConstraint, Found, PregnancyConstraint

_AGE_WORD = re.compile(r"(?<!bearing )\bage[ds]?\b|years? old|years? of age", re.IGNORECASE)

_AGE_AFTER = re.compile(r"\s*(?:old|of age)\b", re.IGNORECASE)

_AGE_BOUND = re.compile(
    r"(?P<op>≥|>=|>|≤|<=|<|greater than or equal to|less than or equal to|greater than|"
    r"older than|less than|younger than|at least|over)\s*(?P<n>\d{1,3})\s*(?:years?|yrs?)\b",
    re.IGNORECASE,
)

_AGE_RANGE = re.compile(
    r"\baged?\s*(?:of\s*)?(?P<a>\d{1,3})\s*(?:-|–|to)\s*(?P<b>\d{1,3})\s*years?", re.IGNORECASE
)

_ECOG = re.compile(
    r"\bECOG\b\s*(?:performance status|performance score|PS|score)?\s*(?:of|is|:)?\s*"
    r"(?:(?P<le>≤|<=|less than or equal to)\s*(?P<max>[0-4])|(?P<lt><|less than)\s*(?P<lim>[1-4])|"
    r"(?P<a>[0-4])\s*(?:-|–|to|or|and)\s*(?P<b>[0-4])|(?P<one>[0-4]))(?![\d.,]\d)",
    re.IGNORECASE,
)

_PREGNANT = re.compile(
    r"\bpregnan(?:t|cy)\b|\bbreast-?feeding\b|\blactating\b|\bnursing\b", re.IGNORECASE
)
_LACTATION = re.compile(r"breast-?feeding|lactating|nursing", re.IGNORECASE)
# who can become pregnant, as protocols name them (the protocol's own wording decides: "women
# with amenorrhoea of less than 12 months")
_CHILDBEARING = re.compile(
    r"\bpre-?menopausal\b|\b(?:child-?\s?bearing|reproductive) potential\b|\bWOCBP\b|"
    r"\bFOCBP\b|\bamenorrh?o?ea\b[^.;]{0,30}\bless than\b",
    re.IGNORECASE,
)
# "negative serum or urine pregnancy test within 14 days of randomization" (either order of
# test and window; a test without a window is left unread: the protocol's timing decides)
_TEST = re.compile(
    r"(?:\bnegative\s+)?(?:\b(?:serum|urine|blood)\s+(?:or\s+(?:serum|urine)\s+)?)?"
    r"(?:\b(?:beta|β)[- ]?h?CG\s+|\bhCG\s+)?\bpregnancy test(?:\s+(?:must be|is|result))?"
    r"(?:\s+negative)?",
    re.IGNORECASE,
)
_TEST_WINDOW = re.compile(
    r"\bwithin\s+(?P<n>\d{1,3})\s*(?P<unit>days?|hours?|h\b|weeks?)"
    r"(?:\s+(?:of|prior to|before)\s+(?:the\s+)?(?:first dose(?:\s+of\s+(?:the\s+)?study"
    r"\s+(?:drug|treatment|intervention))?|randomi[sz]ation|enrol?ment|registration|"
    r"study (?:entry|treatment|drug)|start of (?:study\s+)?treatment|day 1|cycle 1 day 1|"
    r"treatment start|screening))?",
    re.IGNORECASE,
)
# "expecting to conceive or father children": applies to men too, never read as pregnancy
_CONCEPTION = re.compile(r"\bfather\b|\bconceive\b|\bsperm\b", re.IGNORECASE)


def age(text: str) -> Iterator[Found]:
    if not _AGE_WORD.search(text):
        return
    for match in _AGE_RANGE.finditer(text):
        yield (
            match.start(),
            match.end(),
            AgeConstraint(min_years=float(match["a"]), max_years=float(match["b"])),
        )
    for match in _AGE_BOUND.finditer(text):
        before = text[max(0, match.start() - 50) : match.start()]
        if not (_AGE_WORD.search(before) or _AGE_AFTER.match(text, match.end())):
            continue
        op, years = match["op"].lower(), float(match["n"])
        if op in ("≥", ">=", "greater than or equal to", "at least"):
            constraint = AgeConstraint(min_years=years)
        elif op in (">", "greater than", "older than", "over"):
            constraint = AgeConstraint(min_years=years, min_inclusive=False)
        elif op in ("≤", "<=", "less than or equal to"):
            constraint = AgeConstraint(max_years=years)
        else:
            constraint = AgeConstraint(max_years=years, max_inclusive=False)
        yield match.start(), match.end(), constraint


def ecog(text: str) -> Iterator[Found]:
    for m in _ECOG.finditer(text):
        if m["max"] is not None:
            allowed = tuple(range(int(m["max"]) + 1))
        elif m["lim"] is not None:
            allowed = tuple(range(int(m["lim"])))
        elif m["a"] is not None:
            low, high = sorted((int(m["a"]), int(m["b"])))
            allowed = tuple(range(low, high + 1))
        else:
            allowed = (int(m["one"]),)
        yield m.start(), m.end(), EcogConstraint(allowed=allowed)


def pregnancy(text: str) -> Iterator[Found]:
    """ "Pregnant or lactating women": one constraint over every pregnancy/lactation word."""
    found = list(_PREGNANT.finditer(text))
    if not found or _CONCEPTION.search(text):
        return
    lactation = any(_LACTATION.search(m.group(0)) for m in found)
    childbearing = bool(_CHILDBEARING.search(text))
    start, end = found[0].start(), found[-1].end()
    window = test_window(text)
    if window is not None:
        _, (w_start, w_end) = window
        start, end = min(start, w_start), max(end, w_end)
    for named in _CHILDBEARING.finditer(text):  # who the item is about is read, not left over
        if named.start() - end <= 80:
            start, end = min(start, named.start()), max(end, named.end())
    yield (
        start,
        end,
        PregnancyConstraint(
            breastfeeding=lactation,
            childbearing_only=childbearing,
            test_within_days=window[0] if window else None,
        ),
    )


def test_window(text: str) -> tuple[int, tuple[int, int]] | None:
    """(days, span) of "a negative pregnancy test within N days/hours/weeks …", the window
    within 60 characters of the test, before or after it; hours round up to whole days."""
    test = _TEST.search(text)
    if test is None:
        return None
    near = [
        w for w in _TEST_WINDOW.finditer(text)
        if w.start() - test.end() <= 60 and test.start() - w.end() <= 60
    ]  # fmt: skip
    if not near:
        return None
    window = min(near, key=lambda w: abs(w.start() - test.end()))
    n, unit = int(window["n"]), window["unit"].lower()
    days = -(-n // 24) if unit.startswith("h") else n * 7 if unit.startswith("w") else n
    return days, (min(test.start(), window.start()), max(test.end(), window.end()))
