# SPDX-License-Identifier: Apache-2.0
"""Words that only narrow an exclusion's condition ("uncontrolled", "severe", "requiring
intravenous therapy", "grade 3-4", "symptomatic").

Such a qualifier can only make an exclusion apply to fewer patients: when the condition it
qualifies is recorded absent, the exclusion does not apply whatever the qualifier says; when the
condition is present, whether it meets the qualifier is for a clinician (or a reader of the
recorded grade/control) to say. Words that widen a condition are deliberately absent:
"suspected", "history of", "risk of", "or other …" keep an item for review.
"""

from __future__ import annotations

import re

_GRADE = r"(?:[1-5]|I{1,3}|IV|V)"
NARROWING = re.compile(
    r"\bclinically (?:significant|relevant|important|active|apparent|evident|meaningful)\b|"
    r"\b(?:uncontrolled|poorly controlled|inadequately controlled|not (?:well |adequately )?"
    r"controlled|(?:that |which )?(?:cannot|can ?not|could not) be (?:adequately )?controlled)\b|"
    r"\b(?:severe|serious|life[- ]threatening|significant|major|unstable|refractory|"
    r"symptomatic|decompensated|acute|chronic|persistent|recurrent|moderate(?: (?:or|to) severe)?"
    r")\b|"
    # a toxicity or functional grade: "grade III-IV", "CTCAE grade ≥ 3", "NYHA class III or IV"
    rf"\b(?:(?:NCI[- ])?CTCAE(?: v?\d(?:\.\d+)?)?\s+|(?:New York Heart Association\s*)?"
    rf"\(?NYHA\)?\s*(?:functional\s+)?)?(?:grade|class)\s*(?:≥|>=|>)?\s*{_GRADE}"
    rf"(?:\s*(?:-|–|to|or|and|/|,)\s*{_GRADE})*(?:\s*or\s+(?:higher|greater|above|worse))?"
    r"(?:\s+(?:heart failure|toxicit(?:y|ies)))?\b|"
    # "requiring / that requires intravenous administration", "needing hospitalisation"
    r"\b(?:that |which )?(?:requir(?:es|ed|ing|e)|needing|necessitating)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:therapy|therapies|treatment|administration|antibiotics?|anti-?infectives?|antivirals?|"
    r"antifungals?|medications?|hospitali[sz]ation|intervention|drainage|(?:cortico)?steroids|"
    r"oxygen)\b|"
    r"\bwithin the next \d+\s*(?:years?|months?)\b|"
    r"\b(?:in the (?:opinion|judg(?:e)?ment) of the (?:investigator|treating physician)|as "
    r"(?:judged|determined|assessed) by the investigator)\b|"
    # fillers that neither narrow nor widen
    r"\b(?:occurrence|presence|diagnosis) of\b",
    re.IGNORECASE,
)


def spans(text: str) -> list[tuple[int, int]]:
    """Where the narrowing qualifiers of ``text`` are."""
    return [(m.start(), m.end()) for m in NARROWING.finditer(text)]
