# SPDX-License-Identifier: Apache-2.0
"""Reader for blood-pressure limits in one eligibility item ("uncontrolled hypertension
(systolic > 150 mmHg or diastolic > 100 mmHg)", "blood pressure > 150/90 mmHg").

A limit is read only with its numbers: "uncontrolled hypertension" alone asks for a judgement and
stays for review. When the numbers follow the hypertension words they define them, so those
words are read with the limits (the latest systolic and diastolic readings decide).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from oncoboard.trials.labs import OPS
from oncoboard.trials.schemas import Found, LabConstraint

_OP = "|".join(sorted((re.escape(k) for k in OPS), key=len, reverse=True))
_MMHG = r"mm\s*\[?Hg\]?"
# "SBP ≥ 160 or DBP ≥ 100 mmHg": the unit written once
_PAIR = re.compile(
    rf"(?:systolic(?: blood pressure)?|\bSBP\b)[^0-9;.]{{0,25}}?(?P<op1>{_OP})\s*(?P<v1>\d{{2,3}})"
    rf"\s*(?:{_MMHG})?\s*(?P<join>,|and/or|or|and)\s*(?:diastolic(?: blood pressure)?|\bDBP\b)"
    rf"[^0-9;.]{{0,25}}?(?P<op2>{_OP})\s*(?P<v2>\d{{2,3}})\s*{_MMHG}",
    re.IGNORECASE,
)
# "blood pressure > 150/90 mmHg"
_SLASH = re.compile(
    rf"(?:blood pressure|\bBP\b)[^0-9;./]{{0,25}}?(?P<op>{_OP})\s*(?P<v1>\d{{2,3}})\s*/\s*"
    rf"(?P<v2>\d{{2,3}})\s*{_MMHG}",
    re.IGNORECASE,
)
# the words a limit defines; "untreated hypertension" is another question and is not read
_LEAD = re.compile(
    r"\b(?:uncontrolled|poorly[- ]controlled|inadequately[- ]controlled|not (?:well[- ])?"
    r"controlled)\s+(?:arterial\s+)?hypertension(?:\s+with drugs?)?\s*(?:\(|,|:|-|defined as|"
    r"i\.e\.,?)?\s*$",
    re.IGNORECASE,
)
_DESPITE = re.compile(
    r"^\s*(?:despite|on|with)\s+(?:optimal|adequate|standard|maximal)?\s*(?:anti-?hypertensive\s+)?"
    r"(?:medical\s+)?(?:management|treatment|therapy|medications?|drugs?)\)?",
    re.IGNORECASE,
)


def blood_pressure(text: str) -> Iterator[Found]:
    """The systolic and diastolic limits, each spanning the words that define them; "… or
    diastolic …" keeps the two apart so that either limit applies (any-of)."""
    for m in _PAIR.finditer(text):
        start, end = _bounds(text, m)
        either = m["join"].lower() != "and"
        split = m.start("join") if either else end
        yield start, split, _limit(text, m, "systolic_bp", m["op1"], m["v1"])
        second = m.end("join") if either else start
        yield second, end, _limit(text, m, "diastolic_bp", m["op2"], m["v2"])
    for m in _SLASH.finditer(text):
        # "> 150/90": read as both limits together (a reading above one of them is left open)
        start, end = _bounds(text, m)
        yield start, end, _limit(text, m, "systolic_bp", m["op"], m["v1"])
        yield start, end, _limit(text, m, "diastolic_bp", m["op"], m["v2"])


def _bounds(text: str, m: re.Match[str]) -> tuple[int, int]:
    """The limit's span, widened over the hypertension words before it and "despite …" after."""
    before = text[max(0, m.start() - 90) : m.start()]
    lead = _LEAD.search(before)
    start = m.start() - len(before) + lead.start() if lead else m.start()
    despite = _DESPITE.match(text[m.end() :])
    return start, m.end() + (despite.end() if despite else 0)


def _limit(text: str, m: re.Match[str], analyte: str, op: str, value: str) -> LabConstraint:
    return LabConstraint(
        analyte=analyte,
        op=OPS[op.lower()],
        value=float(value),
        unit="mmHg",
        as_written=text[m.start() : m.end()],
    )
