# SPDX-License-Identifier: Apache-2.0
"""Readers for tumour type, stage and brain-metastasis phrases in one eligibility item."""

from __future__ import annotations

import re
from collections.abc import Iterator

from oncoboard.trials.schemas import (
    BrainMetastasesConstraint,
    CancerTypeConstraint,
    DiseaseExtentConstraint,
    Found,
    MeasurableDiseaseConstraint,
    StageConstraint,
)
from oncoboard.trials.vocabulary import CANCER_TYPES, SOLID_TUMOUR

_OTHER_CANCER = re.compile(
    r"\b(?:other|another|second|additional)\b[^.;]*\b(?:malignan\w*|tumou?rs?|cancers?)\b", re.I
)

_EXCEPT_BEFORE = re.compile(r"(?:except(?:ing)?|excluding|other than|non-)[^;.]{0,40}$", re.I)

_STAGE = re.compile(
    r"\bstages?\s+(?P<list>(?:IV|I{1,3}|0)[A-C]?(?:\s*(?:\([^)]*\))?\s*(?:,|or|and|/|-|–)\s*"
    r"(?:stage\s+)?(?:IV|I{1,3}|0)[A-C]?)*)",
    re.IGNORECASE,
)

_ROMAN = re.compile(r"(IV|I{1,3}|0)[A-C]?", re.IGNORECASE)

_BRAIN = re.compile(
    r"(?:(?P<q>active|untreated|symptomatic)\s+(?:\w+\s+){0,2}?)?(?:brain|CNS|central nervous"
    r"(?: system)?|intracranial)\s*(?:\(CNS\)\s*)?metast\w*",
    re.IGNORECASE,
)


# "GI tumors (e.g., PDAC, CRC, and BTC)": examples of a wider type, never the whole list
_EXAMPLES = re.compile(r"\(\s*(?:e\.g\.|eg\b|for example|such as|including)[^)]*\)", re.I)


def cancer_types(text: str) -> Iterator[Found]:
    if _OTHER_CANCER.search(text):
        return
    examples = [(m.start(), m.end()) for m in _EXAMPLES.finditer(text)]
    for pattern, codes, label in CANCER_TYPES:
        for m in pattern.finditer(text):
            if re.search(r"\bnon-\s*$", text[: m.start()], re.IGNORECASE):
                continue
            if any(s <= m.start() < e for s, e in examples):
                continue
            yield m.start(), m.end(), CancerTypeConstraint(oncotree_codes=codes, label=label)
    for m in SOLID_TUMOUR.finditer(text):
        carved = _NON_TYPES.search(text[: m.start()])
        excluded = _carved_codes(carved["types"]) if carved else ()
        if excluded is None:
            continue  # a "non-…" type the vocabulary does not know: left for review
        yield (
            carved.start() if carved else m.start(),
            m.end(),
            CancerTypeConstraint(
                any_solid_tumour=True, label="any solid tumour", excluded_codes=excluded
            ),
        )


# "non-GI, non-NSCLC solid tumors": solid tumours with those types carved out
_NON_TYPES = re.compile(
    r"(?P<types>(?:\bnon-[\w/]+(?:\s*,\s*|\s+(?:and|or|and/or)\s+|\s+))+)$", re.IGNORECASE
)


def _carved_codes(types: str) -> tuple[str, ...] | None:
    """The OncoTree codes of each "non-X" (X read as "X tumors"); ``None`` if one is unknown."""
    codes: list[str] = []
    for name in re.findall(r"non-([\w/]+)", types, re.IGNORECASE):
        known = [c for pattern, c, _ in CANCER_TYPES if pattern.search(f"{name} tumors")]
        if not known:
            return None
        codes += known[0]
    return tuple(dict.fromkeys(codes))


def stages(text: str) -> Iterator[Found]:
    if _OTHER_CANCER.search(text):
        return
    for m in _STAGE.finditer(text):
        if _EXCEPT_BEFORE.search(text[: m.start()]):
            continue
        listed = re.sub(r"\([^)]*\)", "", m["list"])
        groups = [g.upper() for g in _ROMAN.findall(listed)]
        order = ["0", "I", "II", "III", "IV"]
        if re.search(r"[-–]", listed) and len(groups) == 2:
            low, high = sorted(order.index(g) for g in groups)
            groups = order[low : high + 1]
        stages = tuple(dict.fromkeys(groups))
        yield m.start(), m.end(), StageConstraint(stages=stages)


# "Known history or evidence of brain metastases": documented ones (a sentence boundary between
# "known" and the phrase ends its reach)
_KNOWN = re.compile(r"\bknown\b[^.;]{0,60}$", re.IGNORECASE)
_LEPTOMENINGEAL = re.compile(
    r"\bleptomeningeal (?:disease|spread|metastas[ie]s|carcinomatosis|involvement)\b", re.I
)


def brain(text: str) -> Iterator[Found]:
    for m in _BRAIN.finditer(text):
        qualifier = (m["q"] or "any").lower()
        known = qualifier == "any" and bool(_KNOWN.search(text[: m.start()]))
        yield m.start(), m.end(), BrainMetastasesConstraint(qualifier=qualifier, known=known)
    for m in _LEPTOMENINGEAL.finditer(text):
        known = bool(_KNOWN.search(text[: m.start()]))
        yield (
            m.start(),
            m.end(),
            BrainMetastasesConstraint(qualifier="leptomeningeal", known=known),
        )


_EXTENTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("locally_advanced_unresectable", r"locally advanced\s*(?:and\s*)?(?:\(\s*)?unresectable\)?"),
        ("unresectable", r"locally advanced,\s*(?:and/or\s*)?(?:\(\s*)?unresectable\)?"),
        ("locally_advanced", r"\blocally[- ]advanced\b"),
        ("unresectable", r"\bunresectable\b|\binoperable\b|\bnot amenable to (?:curative )?"
         r"(?:surgery|resection)\b"),
        ("borderline_resectable", r"\bborderline[- ]resectable\b"),
        ("resectable", r"(?<!un)(?<!borderline )(?<!borderline-)\bresectable\b|\bcandidate for "
         r"(?:definitive )?(?:surgical )?resection\b|\bsuitable for (?:local|curative) (?:therapy|"
         r"treatment)(?: administered)? with curative intent|\bamenable to curative (?:local )?"
         r"(?:therapy|treatment|resection)"),
        ("metastatic", r"\bmetastatic\b(?! (?:to the )?(?:brain|CNS))|(?<!brain )(?<!CNS )"
         r"\bmetastases\b(?! (?:to|in) the (?:brain|CNS))|\bstage IV\b"),
        ("advanced", r"(?<!locally )(?<!locally-)\badvanced\b(?! (?:age|directive|directives))"),
        # "Measurable (per RECIST v1.1), metastatic, or unresectable malignancy": one of a list
        ("measurable", r"\bmeasurable\b(?:\s*\([^()]{0,40}\))?(?=\s*,\s*(?:or\s+)?"
         r"(?:locally advanced|metastatic|unresectable|advanced)\b)"),
    )
)  # fmt: skip

_MEASURABLE = re.compile(
    r"\bmeasurable (?:disease|lesions?|tumou?r lesions?)\b(?:[^.;]{0,30}?"
    r"(?:RECIST|Response Evaluation Criteria in Solid Tumou?rs)[^.;,]{0,25}?1\.1\)?"
    r"(?:\s*criteria)?\)?)?",
    re.IGNORECASE,
)


def extents(text: str) -> Iterator[Found]:
    """One any-of constraint for the extents an item names ("locally advanced or metastatic")."""
    if _OTHER_CANCER.search(text):
        return
    spans: list[tuple[int, int, str]] = [(m.start(), m.end(), "") for m in _BRAIN.finditer(text)]
    for name, pattern in _EXTENTS:
        for m in pattern.finditer(text):
            if not any(s <= m.start() < e for s, e, _ in spans):
                spans.append((m.start(), m.end(), name))
    if not spans:
        return
    spans = [span for span in spans if span[2]]
    if not spans:
        return
    names = tuple(dict.fromkeys(n for _, _, n in sorted(spans)))
    yield (
        min(s for s, _, _ in spans),
        max(e for _, e, _ in spans),
        DiseaseExtentConstraint(extents=names),
    )


# RECIST 1.1's own measurability rules, often restated in a protocol (RECIST 1.1, Eisenhauer et
# al., Eur J Cancer 2009, as tabulated in PMC3980664 Table 2): a tumour lesion ≥ 10 mm in
# longest diameter (CT), a lymph node ≥ 15 mm in short axis, and a lesion in a previously
# irradiated area measurable only once it has progressed. A recorded RECIST 1.1 assessment has
# applied them, so they neither add a requirement nor widen one: they are read, not exceptions.
_AXIS = r"(?:(?:longest|shortest|longer|shorter|long|short)[- ](?:axis|diameter)|diameter)"
_NODES = r"(?:(?:non[- ]?)?(?:lymph[- ]?nodes?|nodal)(?: lesions?)?|(?:tumou?r )?lesions?)"
_SIZE = re.compile(
    rf"(?:{_AXIS}\s*(?:of\s*)?(?:[≥>]=?|at least)?\s*(?P<a>\d+(?:\.\d+)?)\s*(?P<au>mm|cm)|"
    rf"(?:[≥>]=?|at least)?\s*(?P<b>\d+(?:\.\d+)?)\s*(?P<bu>mm|cm)\s*(?:in\s+)?(?:the\s+)?{_AXIS})"
    rf"(?:\s*(?:for|in)\s+(?:the\s+)?{_NODES})?",
    re.IGNORECASE,
)
_RECIST_SIZES = frozenset({10.0, 15.0})  # mm: tumour lesion (CT), lymph node short axis
IRRADIATED_LESIONS = re.compile(
    r"[^.;()]*\b(?:irradiated|radiation|radiotherapy|loco-?regional)\b[^.;()]*\b(?:lesions?|"
    r"target)\b[^.;()]*|[^.;()]*\b(?:lesions?|target)\b[^.;()]*\b(?:irradiated|radiation|"
    r"radiotherapy|loco-?regional)\b[^.;()]*",
    re.IGNORECASE,
)
# the rule only widens when such a lesion counts once it has progressed
_PROGRESSED = re.compile(
    r"\b(?:unless|if|only if|provided|may|can|as long as)\b[^.;()]*\bprogress\w*|"
    r"\bprogress\w*[^.;()]*\b(?:may|can)\b",
    re.IGNORECASE,
)


def recist_rule(sentence: str) -> bool:
    """Whether a sentence restates RECIST's rule for previously irradiated lesions."""
    found = IRRADIATED_LESIONS.search(sentence)
    return found is not None and bool(_PROGRESSED.search(found.group(0)))


def _recist_rules(text: str) -> Iterator[tuple[int, int]]:
    """Spans that restate RECIST 1.1 (sizes at its thresholds; irradiated lesions counting once
    progressed). A size a protocol sets otherwise ("≥ 20 mm") stays unread."""
    for m in _SIZE.finditer(text):
        value = float(m["a"] or m["b"])
        unit = (m["au"] or m["bu"]).lower()
        if (value * 10 if unit == "cm" else value) in _RECIST_SIZES:
            yield m.start(), m.end()
    for m in IRRADIATED_LESIONS.finditer(text):
        if _PROGRESSED.search(m.group(0)):
            yield m.start(), m.end()


def measurable(text: str) -> Iterator[Found]:
    """Measurable disease; RECIST's own rules restated next to it are read with it."""
    found = False
    for m in _MEASURABLE.finditer(text):
        if re.search(r"\bnon-?$", text[: m.start()]):
            continue
        found = True
        yield m.start(), m.end(), MeasurableDiseaseConstraint()
    if found:  # the repeated constraint only marks the rule's words as read
        for start, end in _recist_rules(text):
            yield start, end, MeasurableDiseaseConstraint()
