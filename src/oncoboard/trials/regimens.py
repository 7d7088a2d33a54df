# SPDX-License-Identifier: Apache-2.0
"""Named chemotherapy regimens and "drug + drug" combinations in eligibility text.

A regimen was received when every one of its components started together (one course, starts
within ``TOGETHER_DAYS``); leucovorin (folinic acid), which modulates fluorouracil, is not
required, as records often leave it out. Components, with the text each is taken from:

- FOLFOX (mFOLFOX6, FOLFOX4/6): oxaliplatin, fluorouracil, leucovorin — MOAlmanac indication
  ``ind:ema.opdivo:6`` ("FOLFOX (oxaliplatin, leucovorin, and fluorouracil)") and the mFOLFOX6 /
  CAPOX wording of the MOAlmanac indications in ``shared/data/kb/moalmanac/referenced``.
- FOLFIRI: irinotecan, fluorouracil, leucovorin — MOAlmanac ``ind:hc.erbitux:0`` (Health Canada
  Erbitux monograph: "FOLFIRI (irinotecan, 5-fluorouracil, leucovorin)").
- CAPOX / XELOX: oxaliplatin, capecitabine — MOAlmanac ``ind:fda.vyloy:0`` ("CAPOX (oxaliplatin
  and capecitabine)"); XELOX as its other name is not verified from a stored source.
- FOLFIRINOX (mFOLFIRINOX): oxaliplatin, irinotecan, fluorouracil, calcium folinate; NALIRIFOX:
  liposomal irinotecan, oxaliplatin, fluorouracil, calcium folinate — the CT.gov record
  NCT06898385 (eligibility text, ``shared/data/ctgov``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from oncoboard.trials import drugs
from oncoboard.trials.schemas import Found, PriorTherapyConstraint

TOGETHER_DAYS = 14

_FLUOROURACIL = ("fluorouracil", "5-fu", "5fu", "5-fluorouracil")
_OXALIPLATIN = ("oxaliplatin",)
_IRINOTECAN = ("irinotecan",)
_LIPOSOMAL_IRINOTECAN = ("irinotecan liposome", "liposomal irinotecan", "nal-iri", "onivyde")

# name pattern → (label, components: each a tuple of accepted medicine names)
_REGIMENS: tuple[tuple[str, str, tuple[tuple[str, ...], ...]], ...] = (
    (r"m?FOLFIRINOX|modified FOLFIRINOX", "FOLFIRINOX", (_OXALIPLATIN, _IRINOTECAN, _FLUOROURACIL)),
    (r"NALIRIFOX", "NALIRIFOX", (_OXALIPLATIN, _LIPOSOMAL_IRINOTECAN, _FLUOROURACIL)),
    (r"m?FOLFOX\s*-?\s*[46]?", "FOLFOX", (_OXALIPLATIN, _FLUOROURACIL)),
    (r"FOLFIRI", "FOLFIRI", (_IRINOTECAN, _FLUOROURACIL)),
    (r"CAPOX|XELOX|CAPEOX", "CAPOX", (_OXALIPLATIN, ("capecitabine",))),
)  # fmt: skip
_NAMED = [(re.compile(rf"\b(?:{p})\b", re.IGNORECASE), n, c) for p, n, c in _REGIMENS]

# "gemcitabine + nab-paclitaxel", "gemcitabine plus nab-paclitaxel": one combination
_DRUG = r"[A-Za-z][A-Za-z\-]{3,30}"
_COMBINATION = re.compile(rf"\b(?P<a>{_DRUG})\s*(?:\+|\bplus\b)\s*(?P<b>{_DRUG})\b", re.IGNORECASE)


# "FOLFIRINOX (oxaliplatin + irinotecan + calcium folinate + 5-FU)": the regimen's definition
_DEFINITION = re.compile(r"\s*\((?=[^()]*(?:\+|,))[^()]{3,120}\)")
# "4-6 months of FOLFIRINOX", "at least 3 cycles of …": a duration no reader places; only
# "never received" can decide
DURATION = re.compile(
    r"(?<!within )(?<!within the )(?<!past )(?<!last )"
    r"\b(?:(?P<low>\d+)\s*(?:[-–]|to)\s*)?(?P<high>\d+)\s*(?P<unit>months?|weeks?|cycles?|"
    r"courses?)\s+of\s+(?P<between>(?:[\w+/-]+\s+){0,4})$",
    re.IGNORECASE,
)
_DAYS = {"month": 30.44, "week": 7.0}


def _alternative(word: str) -> bool:
    """A word of a list of regimens before this one ("4-6 months of FOLFIRINOX or …")."""
    known = {d for d, _, _, _ in drugs.MOALMANAC}
    return (
        word.lower() in ("or", "and", "/", ",")
        or any(p.fullmatch(word.strip(",")) for p, _, _ in _NAMED)
        or all(part.lower() in known for part in word.strip(",").split("+"))
    )


def _duration(text: str, start: int) -> tuple[bool, tuple[int, int] | None]:
    """(a duration precedes, its bounds in days when it is a plain "4-6 months of <regimen>")."""
    m = DURATION.search(text[max(0, start - 60) : start])
    if m is None:
        return False, None
    per = _DAYS.get(m["unit"].lower().rstrip("s"))
    if per is None or not all(_alternative(w) for w in m["between"].split()):
        return True, None  # cycles, or other words between ("of 1st line …"): not placed
    high = int(m["high"])
    low = int(m["low"]) if m["low"] else high
    return True, (round(low * per), round(high * per))


_FIRST_LINE = re.compile(
    r"\b(?:for\s+)?(?:the\s+|as\s+)?(?:1st|first)[- ]line\b(?:\s+(?:treatment|therapy|setting))?"
    r"(?:\s+(?:of|for|in)\b)?",
    re.IGNORECASE,
)


def read(text: str) -> Iterator[Found]:
    """Named regimens and "+"-combinations of two known medicines, as all-of constraints; "for
    the 1st line treatment" next to them is read with them."""
    found = list(_regimens(text))
    line = _FIRST_LINE.search(text)
    if line is not None and found:
        found = [(s, e, c.model_copy(update={"first_line": True})) for s, e, c in found]
        yield line.start(), line.end(), found[0][2]  # the words, read (a repeat, deduped)
    yield from found


def _regimens(text: str) -> Iterator[tuple[int, int, PriorTherapyConstraint]]:
    known = {d for d, _, _, _ in drugs.MOALMANAC}
    for pattern, _canonical, components in _NAMED:
        for m in pattern.finditer(text):
            definition = _DEFINITION.match(text, m.end())
            end = definition.end() if definition else m.end()
            label = re.sub(r"\s+", "", m.group(0))  # "mFOLFOX6", "FOLFIRINOX"
            yield m.start(), end, _constraint(label, components, text, m.start())
    for m in _COMBINATION.finditer(text):
        a, b = m["a"].lower(), m["b"].lower()
        if a in known and b in known and not _inside_definition(text, m.start()):
            yield m.start(), m.end(), _constraint(f"{a} + {b}", ((a,), (b,)), text, m.start())


def _inside_definition(text: str, at: int) -> bool:
    return any(
        d.start() <= at < d.end()
        for pattern, _, _ in _NAMED
        for m in pattern.finditer(text)
        if (d := _DEFINITION.match(text, m.end())) is not None
    )


def _constraint(
    name: str, components: tuple[tuple[str, ...], ...], text: str, start: int
) -> PriorTherapyConstraint:
    members = tuple(sorted({n for c in components for n in c}))
    has_duration, bounds = _duration(text, start)
    return PriorTherapyConstraint(
        drug_class=name,
        drugs=members,
        components=tuple("|".join(c) for c in components),
        timing_unread=has_duration and bounds is None,
        duration_days=bounds,
    )


def joined(a: object, b: object, gap: str) -> bool:
    """A regimen and another therapy side by side in a "/", comma or "or" list are alternatives
    ("FOLFIRINOX/NALIRIFOX", "FOLFOX, FOLFIRI", "gemcitabine-based regimens or FOLFIRINOX")."""
    therapies = all(isinstance(x, PriorTherapyConstraint) for x in (a, b))
    regimen = any(isinstance(x, PriorTherapyConstraint) and x.components for x in (a, b))
    return therapies and regimen and _LIST_GAP.fullmatch(gap) is not None


_LIST_GAP = re.compile(
    r"\s*(?:(?:chemotherapy\s+)?(?:regimens?|treatments?|therapy)\s*)?(?:/|,|\bor\b|,\s*or\b)\s*",
    re.IGNORECASE,
)


# "gemcitabine-based chemotherapy": the drug, not the drug and any chemotherapy
_BASED = re.compile(r"\s*-?\s*(?:based|containing)\s+$", re.IGNORECASE)


def merged_based(text: str, found: list[Found]) -> list[Found]:
    """A class right after "<drug>-based" is that drug's regimen: the class constraint is replaced
    by the drug's (its words stay read)."""
    out = list(found)
    for i, (start, end, c) in enumerate(found):
        if not isinstance(c, PriorTherapyConstraint) or c.modality != "medicine":
            continue
        for j, (s, e, d) in enumerate(found):
            if (
                isinstance(d, PriorTherapyConstraint)
                and d is not c
                and e <= start
                and len(d.drugs) == 1
                and _BASED.fullmatch(text[e:start])
            ):
                out[i] = out[j] = (s, end, d)  # one phrase: the repeat is deduped
    return out


def medicines_in(name: str) -> tuple[str, ...]:
    """The component medicines of a course recorded under a regimen's name ("FOLFOX", "mFOLFOX6
    + bevacizumab"); none when the name is not one."""
    return tuple(
        n
        for pattern, _canonical, components in _NAMED
        if pattern.search(name)
        for names in components
        for n in names
    )
