# SPDX-License-Identifier: Apache-2.0
"""Readers for comorbidity, infection and other-malignancy phrases in one eligibility item."""

from __future__ import annotations

import re
from collections.abc import Iterator

from oncoboard.trials.history import (
    HEPATITIS_B_OR_C,
    INFECTION_PROTOCOL,
    KIND_CONDITION,
    MALIGNANCY_EXCEPTIONS,
    PROTOCOL,
)
from oncoboard.trials.schemas import (
    CancerTypeConstraint,
    ConditionHistoryConstraint,
    Criterion,
    Found,
    InfectionConstraint,
    PriorMalignancyConstraint,
    SwallowingConstraint,
)

_NUMBER = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "twelve": 12}
WITHIN = re.compile(
    r"(?:within|in)\s+(?:the\s+)?(?:past|last|prior)?\s*(?P<n>\d+|one|two|three|four|five|six|"
    r"twelve)\s*(?P<unit>years?|months?)|(?:past|last|previous|prior)\s*(?:\(?\s*≤\s*)?"
    r"(?P<n2>\d+|one|two|three|four|five|six)\s*(?P<unit2>years?|months?)",
    re.IGNORECASE,
)
QUALIFIED = re.compile(
    r"clinically (?:significant|relevant|severe|important)|uncontrolled|\bsevere\b|serious|"
    r"poorly controlled|requir\w*(?:\s+systemic)?|significant|symptomatic|impair\w*|"
    r"(?:systemic\s+)?(?:anti-?autoimmune|immunosuppressive)(?:\s*/\s*(?:systemic\s+)?"
    r"disease[- ]modifying|\s*/\s*(?:systemic\s+)?disease[- ]modulating)?\s+(?:treatment|therapy|"
    r"agents?|drugs?|medications?)|"
    # "… that would compromise patient safety / interfere with the study": a judgement
    r"\b(?:that|which)\s+(?:would|could|may|might|will)\s+(?:\w+\s+){0,2}?(?:compromise|"
    r"interfere|affect|jeopardi[sz]e|limit|impair)\b[^;.]*",
    re.IGNORECASE,
)
_ACTIVE = re.compile(r"\bactive\b|uncontrolled|current(?:ly)?|ongoing", re.IGNORECASE)
_MALIGNANCY = re.compile(
    r"\b(?:other|another|second|additional|prior|previous|concurrent)\s+(?P<between>(?:[\w()≤-]+"
    r"\s+){0,6}?)(?:malignan(?:cy|cies|t tumou?rs?)|cancers?|tumou?rs?|neoplasms?)\b|\bhistory of "
    r"(?:any )?malignan(?:cy|cies)\b|\bactive malignancy\b",
    re.IGNORECASE,
)
# "previous treatments for cancer", "prior anti-cancer therapy": about treatment, not a cancer
_TREATMENT_WORDS = re.compile(r"\b(?:treatments?|therap\w+|anti|for|regimens?|drugs?)\b", re.I)
_EXCEPT = re.compile(
    r"\b(?:except(?:ions?)?|excluding|other than|with the exception of|unless)\b", re.I
)
_OTHER_THAN_STUDY = re.compile(
    r"other than (?:the )?(?:study[- ]specific|studied|disease under study)(?: (?:malignanc(?:y|ies)|"
    r"cancers?|tumou?rs?|diseases?))?|other than (?:the )?(?:malignancy|cancer|disease) (?:under|"
    r"being) (?:study|studied|investigated)",
    re.IGNORECASE,
)


def _months(text: str) -> float | None:
    found = WITHIN.search(text)
    if not found:
        return None
    raw = found["n"] or found["n2"]
    unit = (found["unit"] or found["unit2"]).lower()
    n = float(_NUMBER.get(raw.lower(), 0) or raw)
    return n * 12 if unit.startswith("year") else n


def _sentence(text: str, at: int) -> str:
    start = max(text.rfind(";", 0, at), text.rfind(". ", 0, at)) + 1
    ends = [i for i in (text.find(";", at), text.find(". ", at)) if i != -1]
    return text[start : min(ends) if ends else len(text)]


def conditions(text: str) -> Iterator[Found]:
    """History of a comorbidity ("interstitial lung disease", "myocardial infarction in the past
    6 months"); the time window and judgement words count within the condition's sentence."""
    masked = text
    for pattern in PROTOCOL.values():
        masked = pattern.sub(lambda m: " " * len(m.group(0)), masked)
    for concept, pattern in PROTOCOL.items():
        for m in pattern.finditer(text):
            sentence = _sentence(masked, m.start())
            yield (
                m.start(),
                m.end(),
                ConditionHistoryConstraint(
                    concept=concept,
                    within_months=_months(sentence),
                    qualified=bool(QUALIFIED.search(sentence)),
                ),
            )


# "able to swallow (and retain) oral medication": "and retain", "willing" stay unread
_ABLE_TO_SWALLOW = re.compile(
    r"(?<!un)(?<!not )\bable to swallow(?:\s+(?:whole\s+)?(?:oral\s+)?(?:medications?|tablets?|"
    r"capsules?|pills?|capsule/tablet|tablet/capsule|study (?:drugs?|medications?|treatment))"
    r"(?:\s*(?:/|or|and)\s*(?:tablets?|capsules?|pills?))?)?",
    re.IGNORECASE,
)


def swallowing(text: str) -> Iterator[Found]:
    """ "Must be able to swallow tablets": the ability asked for (inability is a comorbidity,
    ``conditions``)."""
    for m in _ABLE_TO_SWALLOW.finditer(text):
        yield m.start(), m.end(), SwallowingConstraint()


def infections(text: str) -> Iterator[Found]:
    """HIV, hepatitis B, hepatitis C, tuberculosis ("active" only when the text says so)."""
    active = bool(_ACTIVE.search(text))
    both = HEPATITIS_B_OR_C.search(text)
    if both:
        for agent in ("HBV", "HCV"):
            yield both.start(), both.end(), InfectionConstraint(agent=agent, active_only=active)
    for agent, pattern in INFECTION_PROTOCOL.items():
        for m in pattern.finditer(text):
            if both and both.start() <= m.start() < both.end():
                continue
            yield m.start(), m.end(), InfectionConstraint(agent=agent, active_only=active)


def prior_malignancy(text: str) -> Iterator[Found]:
    """ "Other malignancy within 3 years, except basal cell carcinoma …": the span runs to the
    end of the exception list, whose recognised kinds are carried in ``excepted``."""
    found = next(
        (
            m
            for m in _MALIGNANCY.finditer(text)
            if not _TREATMENT_WORDS.search(m.group("between") or "")
            and not re.search(r"anti-?\s*$", text[: m.end()].rsplit(" ", 1)[0][-6:])
        ),
        None,
    )
    if not found or re.search(r"current malignancy", text, re.I):
        return
    # "active malignancy (other than study-specific malignancies)": the trial's own tumour types
    # are the exception, so the patient's own cancer counts when it is not one of them
    study = _OTHER_THAN_STUDY.search(text)
    if study:
        text = text[: study.start()] + " " * len(study.group(0)) + text[study.end() :]
    any_malignancy = bool(study) or not re.match(
        r"(?:other|another|second|additional|prior|"
        r"previous|concurrent)\b",
        found.group(0),
        re.I,
    )
    end = max(m.end() for m in _MALIGNANCY.finditer(text))  # "… or an additional malignancy"
    end = max(end, study.end() + (text[study.end() :].startswith(")"))) if study else end
    excepted: list[str] = []
    conditioned: list[str] = []
    open_exceptions = False
    exception = _EXCEPT.search(text, found.start())
    if exception:
        listed = text[exception.end() :]
        for kind, (protocol, _) in MALIGNANCY_EXCEPTIONS.items():
            for hit in re.finditer(protocol, listed, re.IGNORECASE):
                excepted.append(kind)
                if KIND_CONDITION.match(listed[hit.end() :].lstrip(" ,")):
                    conditioned.append(kind)
        excepted = list(dict.fromkeys(excepted))
        leftover = KIND_CONDITION.sub(" ", listed)
        for protocol, _ in MALIGNANCY_EXCEPTIONS.values():
            leftover = re.sub(protocol, " ", leftover, flags=re.IGNORECASE)
        open_exceptions = bool(
            re.search(r"carcinoma|cancer|tumou?r|malignan|neoplas|disease|expected", leftover, re.I)
        )
        end = len(text)
    yield (
        found.start(),
        end,
        PriorMalignancyConstraint(
            within_years=None if (m := _months(text)) is None else m / 12,
            excepted=tuple(excepted),
            open_exceptions=open_exceptions,
            conditioned=tuple(dict.fromkeys(conditioned)),
            any_malignancy=any_malignancy,
            active_only=bool(
                re.search(
                    r"\bactive (?:primary )?malignan|\bsecond active|malignancy requiring",
                    text,
                    re.I,
                )
            ),
        ),
    )


def with_study_cancers(criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
    """Each "any malignancy" item learns the tumour types the trial studies (the OncoTree codes
    of its inclusion criteria); none when one of them is "any solid tumour" (which of a basket
    trial's cancers are "study-specific" is the protocol's to say) or lists tumour types no rule
    read: the patient's own cancer then stays for review."""
    types = [
        (c, s.constraint)
        for c in criteria
        if c.section == "inclusion"
        for s in c.constraints
        if isinstance(s.constraint, CancerTypeConstraint)
    ]
    open_list = any(c.any_solid_tumour or not c.oncotree_codes for _, c in types) or any(
        item.open_alternatives for item, _ in types
    )
    codes = () if open_list else tuple(dict.fromkeys(x for _, c in types for x in c.oncotree_codes))
    if not codes:
        return criteria
    return tuple(_with_codes(c, codes) for c in criteria)


def _with_codes(criterion: Criterion, codes: tuple[str, ...]) -> Criterion:
    if not any(
        isinstance(s.constraint, PriorMalignancyConstraint) and s.constraint.any_malignancy
        for s in criterion.constraints
    ):
        return criterion
    parts = tuple(
        s.model_copy(
            update={"constraint": s.constraint.model_copy(update={"study_cancers": codes})}
        )
        if isinstance(s.constraint, PriorMalignancyConstraint) and s.constraint.any_malignancy
        else s
        for s in criterion.constraints
    )
    return criterion.model_copy(update={"constraints": parts})
