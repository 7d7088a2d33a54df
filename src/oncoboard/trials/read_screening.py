# SPDX-License-Identifier: Apache-2.0
"""Readers for recent events a protocol excludes before the first dose: major surgery,
investigational agents and live vaccines "within N days/weeks".

Only a stated window is read ("within 4 weeks", "in the last 28 days", "≤ 21 days prior to");
"recent surgery" without a window, and minor procedures, stay for review.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from oncoboard.trials.schemas import Found, RecentEventConstraint

_N = r"(?P<n>\d{1,3}|one|two|three|four|five|six|eight|twelve)"
_UNIT = r"\s*(?P<unit>days?|weeks?|months?)"
_WINDOW = re.compile(
    rf"(?:within|in the (?:past|last|previous|preceding)|during the (?:past|last|previous)|"
    rf"(?:≤|<=|<|less than|fewer than)|the (?:past|last|previous))\s*(?:the\s+)?(?:past\s+|last\s+)?"
    rf"{_N}{_UNIT}(?:\s*\(?\s*(?:or|and/or)\s*(?:\d+\s*)?half-?lives[^)]*\)?)?"
    rf"(?:\s*(?:prior to|before|of|preceding)\s+(?:the\s+)?(?:planned\s+|scheduled\s+)?"
    rf"(?:first|initial|start of)?\s*"
    rf"(?:dose|administration|day 1|randomi[sz]ation|enrol+ment|registration|treatment)?"
    rf"(?:\s+start)?"
    rf"(?:\s+of)?(?:\s+(?:the\s+)?(?:study|trial)\s+(?:drugs?|treatment|intervention|therapy))?)?",
    re.IGNORECASE,
)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8,
          "twelve": 12}  # fmt: skip
_DAYS = {"day": 1, "week": 7, "month": 30}
_SURGERY = re.compile(
    r"\b(?:major|significant|extensive)\s+(?:surgery|surgical (?:procedures?|interventions?|"
    r"resections?)|operations?)(?:\s*\((?:[^)]{0,60})\))?|\bmajor surgical procedure\b",
    re.IGNORECASE,
)
_INVESTIGATIONAL = re.compile(
    r"\b(?:(?:participat\w*|enrol+\w*)\s+in\s+(?:a|an|another|any other|any)\s+(?:clinical\s+)?"
    r"(?:study|trial)\s+(?:of|with|using)\s+(?:an?\s+)?)?"
    r"(?:(?:another|any other|other)\s+)?(?:investigational|experimental)\s+(?:agents?|drugs?|"
    r"products?|medicinal products?|therap(?:y|ies)|treatments?|medications?|interventions?)\b"
    # "the experimental treatment being evaluated in this protocol" is the study's own drug
    r"(?!\s+(?:being (?:evaluated|studied|tested)|in this (?:study|protocol|trial)|of this|"
    r"under (?:investigation|study)))",
    re.IGNORECASE,
)
_LIVE_VACCINE = re.compile(
    r"\b(?:non-?oncology\s+)?(?:live|live[- ]attenuated|attenuated live)(?:[\s-]+virus)?\s+"
    r"(?:vaccines?|vaccinations?|immuni[sz]ations?)\b(?:\s*(?:or|and/or)\s+live[- ]attenuated\s+"
    r"vaccines?)?(?:\s+therap(?:y|ies))?(?:\s+used (?:for|in) (?:the )?prevention of infectious "
    r"diseases?)?",
    re.IGNORECASE,
)
# "Concurrent therapy with other investigational products", "currently receiving any other
# investigational agents": ongoing now, a window of 0 days
_NOW = re.compile(
    r"\b(?:concurrent(?:ly)?|current(?:ly)?|ongoing|(?:are|is) (?:currently )?receiving|"
    r"receiving)\b[^.;()]{0,40}$",
    re.IGNORECASE,
)
# what may sit between the event and its window ("received", "has participated in a study of")
_BETWEEN = 90
# what may stand between an event and its window without changing what is asked
_FILLER = re.compile(
    r"(?:[\s,]|\([^)]{0,80}\)|\b(?:received|given|administered|taken|used|has|have|had|been|"
    r"prior|previous|the|an?|of|with|treatment|therapy|in|any|other|is|are|was|were)\b)*",
    re.IGNORECASE,
)
# "within 28 days or 5 half-lives, whichever is longer": the window may be longer than read
_LONGER = re.compile(r"whichever is (?:longer|greater|later)", re.IGNORECASE)


def _days(match: re.Match[str]) -> int:
    raw = match["n"].lower()
    n = _WORDS.get(raw) or int(raw)
    return n * _DAYS[match["unit"].lower().rstrip("s")]


def recent_events(text: str) -> Iterator[Found]:
    """ "Major surgery within 4 weeks prior to the first dose", "received an investigational
    agent within 28 days": the event and its window, as one span."""
    for event, pattern in (
        ("major_surgery", _SURGERY),
        ("investigational_agent", _INVESTIGATIONAL),
        ("live_vaccine", _LIVE_VACCINE),
    ):
        for m in pattern.finditer(text):
            window = _window_near(text, m.start(), m.end())
            if window is None and event == "investigational_agent":
                now = _NOW.search(text, max(0, m.start() - 60), m.start())
                if now is not None:
                    yield now.start(), m.end(), RecentEventConstraint(event=event, within_days=0)
                continue
            if window is None or _LONGER.search(text, m.start()):
                continue
            constraint = RecentEventConstraint(event=event, within_days=_days(window))
            if _FILLER.fullmatch(text[m.end() : window.start()]) or window.end() <= m.start():
                yield min(m.start(), window.start()), max(m.end(), window.end()), constraint
            else:  # "major surgery or significant traumatic injury within 4 weeks": the words
                yield m.start(), m.end(), constraint  # between stay unread, for review


def _window_near(text: str, start: int, end: int) -> re.Match[str] | None:
    """The window after the event in its clause, else one just before it ("within 4 weeks of
    major surgery")."""
    clause_end = min((i for i in (text.find(";", end), text.find(". ", end)) if i != -1),
                     default=len(text))  # fmt: skip
    after = _WINDOW.search(text, end, min(clause_end, end + _BETWEEN))
    if after is not None:
        return after
    before = [w for w in _WINDOW.finditer(text, max(0, start - 40), start)]
    return before[-1] if before else None
