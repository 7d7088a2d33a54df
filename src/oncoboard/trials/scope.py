# SPDX-License-Identifier: Apache-2.0
"""What an eligibility item asks of whom, before its phrases are read.

- **Permissions and subgroup alternatives** ("Patients with treated brain metastases are
  eligible", "Note: … may have undergone …", "; or … ≤ 3 × ULN in patients with Gilbert's
  syndrome", "or 5 half-lives, whichever is shorter") can only loosen an inclusion or narrow an
  exclusion: they are blanked out of the text that is read, and the item is marked as carrying
  exceptions (the engine never concludes against them).
- **Conditional items** apply to some patients only: a subject clause ("Patients with metastatic
  colorectal cancer must …", "Patients who received … radiotherapy must …") whose phrases are
  read on their own, or a cohort ("For some parts of the study"). When the subject does not fit
  the patient the item does not apply; when it is unknown, the item is read narrowing only (an
  inclusion is met if its requirement holds anyway, an exclusion does not apply if its
  condition is absent anyway).
- **Clinician judgement**: items no record can decide (life expectancy, the investigator's
  opinion, "adequate organ function" the registry text does not define).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oncoboard.trials import read_molecular
from oncoboard.trials.read_disease import recist_rule

_SENTENCE = re.compile(r"[^.;]+(?:[.;]|$)")
_PERMISSION = re.compile(
    r"\b(?:may (?:also )?(?:be|have|receive|enrol+|participate|undergo|continue|start)|(?:is|are) "
    r"(?:also )?(?:eligible|allowed|allowable|permitted)|will (?:also )?be (?:eligible|allowed)|"
    r"can be (?:enrolled|included)|is acceptable)\b",
    re.IGNORECASE,
)
_STRICT = re.compile(
    r"\bmust\b|\bshould\b|\brequired?\b|\bnot (?:be )?eligible\b|\bineligible\b|\bexcluded\b|"
    r"\bonly if\b|\bprovided\b|\bas long as\b",
    re.IGNORECASE,
)
_NOTE = re.compile(r"^\s*note\s*:", re.IGNORECASE)
# "; or total bilirubin ≤ 3 × ULN … in patients with documented Gilbert's syndrome",
# "(if patients with liver metastasis, ≤5 times the ULN)": an alternative threshold for a subgroup
_SUBGROUP = re.compile(
    r"(?:[;,]\s*or\b|\(\s*(?:if|for|in)\b|\bexcept\s+(?:in|for)\b)[^;()]*?\b(?:patients|subjects|"
    r"participants)\s+with\b[^;()]*\)?|\([^()]*\b(?:were|was|are|is)\s+(?:excluded|excepted)\s*\)|"
    r"\([^()]*\b(?:for|in|if)\s+(?:patients|subjects|participants)\s+with\b[^()]*\)",
    re.IGNORECASE,
)
# alternatives that only widen what is asked: "(or similar agents)", "or have contraindications
# to …", "(or per national guidelines)", "or lack … or are unwilling … or intolerant to SOC"
_WIDER = re.compile(
    r"\(?\s*\bor similar (?:agents|drugs|medications)\s*\)?|,?\s*\bor (?:have|has) (?:a )?"
    r"contraindications?\b[^.;]*|\(\s*or per (?:national|local) (?:guidelines|regulations|"
    r"requirements)\s*\)|\bor (?:lack|are unwilling|unwilling|are intolerant|intolerant|"
    r"intolerable|have no standard)\b[^.;]*|,\s*(?:or\s+)?(?:are|is|were|was)\s+intolerant\b[^,.;]*|"
    r",?\s*\bor\s+for\s+(?:whom|which)\s+no\s+(?:\w+\s+){0,2}(?:treatments?|therap(?:y|ies)|"
    r"options?)\s+(?:exists?|is\s+available|are\s+available)|,?\s*\betc\b\.?|\bfor (?:patients|subjects) with "
    r"(?:serum )?creatinine (?:levels? )?above\b[^.;]*|\bOR\s*$",
    re.IGNORECASE,
)
_SUBJECT = re.compile(
    r"^\s*(?P<for>for\s+)?(?:(?:select|some|certain)\s+)?(?:patients|subjects|participants|those)\s+"
    r"(?P<subject>(?:with|who|whose)\b[^;.]{3,220}?)\s*,?\s*(?P<verb>must\b|should\b|need to\b|"
    r":(?=\s)|"
    r"are (?:also )?(?:eligible|required)\b|is eligible\b|will (?:also )?be eligible\b)",
    re.IGNORECASE,
)
_OTHERS = re.compile(
    r"\b(?:other|all other|remaining)\s+(?:patients|subjects|participants|types|tumou?rs?|solid)",
    re.IGNORECASE,
)
_COHORT = re.compile(
    r"^(?:part|cohort|arm)\s*\w*\s*:|\bfor (?:some|one|select|certain) (?:parts?|arms?|cohorts?)\b"
    r"|\bsome parts of the study\b|\bcohort-specific\b|\bfor (?:some|one) parts? of the study\b",
    re.IGNORECASE,
)
_COHORT_REFERENCE = re.compile(
    r",?\s*(?:and\s+)?(?:must\s+)?meets?\s+(?:the\s+|all\s+)?(?:applicable\s+)?cohort-specific\s+"
    r"(?:eligibility\s+|inclusion\s+)?criteria\b",
    re.IGNORECASE,
)
_UNREADABLE_CONDITION = re.compile(
    r"\bcohort\b|(?:cancer|tumou?rs?)\s*:|^\s*[ivx]+\.", re.IGNORECASE
)
_JUDGEMENT = re.compile(
    r"life expectancy|expected survival|survival (?:duration )?(?:of|≥|>=|>)|"
    r"(?:opinion|judge?ment) of the (?:investigator|treating physician|study doctor)|"
    r"investigator'?s? (?:opinion|judge?ment)|in the (?:investigator|physician)'?s? (?:opinion|"
    r"judge?ment)|\b(?:adequate|sufficient|normal|good)\s+(?:(?:organ|bone marrow|hepatic|renal|"
    r"cardiac|liver|kidney)(?:,\s*|\s+and\s+|\s+)?)+functions?\b|\borgan functions? (?:of \w+ )?"
    r"(?:meet|meets)\b|\b(?:serious|severe|uncontrolled)\b[^.;]{0,40}\b(?:comorbidit\w+|"
    r"intercurrent illness\w*|medical (?:conditions?|illness\w*))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Shape:
    """The text to read (permissions blanked), the subject clause and how the item applies."""

    work: str
    loosened: bool
    widened: bool
    conditional: bool
    subject: tuple[int, int] | None
    consumed: tuple[tuple[int, int], ...]
    judgement: bool


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


# "If hepatitis C antibody test is positive, then patient must be … HCV RNA negative": a
# follow-up test that offers a second way to qualify (or not to be excluded) for a subgroup
_REFLEX_TEST = re.compile(
    r"^\s*(?:if|when|in case)\b[^.;,]{0,80}?\b(?:positive|reactive|detected)\b", re.IGNORECASE
)


# after "… are eligible if": the permission's own conditions ("if stable and they do not require
# steroids") only narrow what it allows; "only if" / "must" make it a requirement
_STRICT_AFTER = re.compile(
    r"\bonly\b|\bmust\b|\bnot (?:be )?eligible\b|\bineligible\b|\bexcluded\b", re.IGNORECASE
)


def _allows(sentence: str) -> bool:
    """A sentence that only allows something ("Patients with treated brain metastases are
    eligible if they are stable and do not require steroids")."""
    found = _PERMISSION.search(sentence)
    if found is None:
        return False
    before, after = sentence[: found.start()], sentence[found.end() :]
    return not _STRICT.search(before) and not _STRICT_AFTER.search(after)


def _permissions(text: str, start: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Sentences (after the first) that only allow something, reflex-test sentences, and
    "Note:" sentences; apart, the words around gene alternatives a permission adds."""
    spans: list[tuple[int, int]] = []
    filler: list[tuple[int, int]] = []
    for n, m in enumerate(_SENTENCE.finditer(text)):
        sentence = m.group(0)
        if m.start() < start:
            continue
        allows = _allows(sentence) or bool(_REFLEX_TEST.match(sentence))
        note = _NOTE.match(sentence) and not _STRICT.search(sentence.replace("as long as", ""))
        # "… a lesion treated with radiation with progression may be selected": RECIST's own
        # rule next to a measurable-disease item, read with it (``read_disease``)
        restated = _MEASURABLE.search(text) is not None and recist_rule(sentence)
        if ((allows and n > 0) or note) and not restated:
            # only as alternatives of a gene the item already asks for
            asks = allows and any(True for _ in read_molecular.genes(text[: m.start()]))
            genes = _more_genes(sentence) if asks else None
            if genes is None:
                spans.append((m.start(), m.end()))
            else:  # only the alternatives' genes stay, read into the item's any-of group
                kept = [(m.start() + s, m.start() + e) for s, e in genes]
                filler += _outside(m.start(), m.end(), kept)
    return spans, filler


_MEASURABLE = re.compile(r"\bmeasurable\b", re.IGNORECASE)
# "Subjects with histologically confirmed …": the population asked for, not a subgroup
_POPULATION = re.compile(r"histolog|cytolog|confirmed|documented|diagnos", re.IGNORECASE)


def _subject(text: str) -> re.Match[str] | None:
    found = _SUBJECT.match(text)
    if found is None or _POPULATION.search(found["subject"]):
        return None
    if found["verb"] == ":" and not found["for"]:
        return None  # "For select patients with …:" only
    return found


# "Patients shown to have tumors expressing G12D mutated NRAS and HRAS will also be eligible (as
# these oncogenes share …)": more alternatives of the item's biomarker, nothing else
_GENE_FILLER = frozenset({
    "patients", "subjects", "participants", "those", "shown", "found", "known", "to", "have",
    "has", "had", "with", "whose", "tumors", "tumours", "cancers", "cancer", "expressing",
    "harboring", "harbouring", "carrying", "a", "an", "the", "will", "also", "be", "are", "is",
    "eligible", "allowed", "and", "or", "mutations", "mutation",
})  # fmt: skip
_WHY = re.compile(r"\b(?:eligible|allowed)\b\s*,?\s*(?:as|because|since|given)\b.*$", re.I)


def _more_genes(sentence: str) -> list[tuple[int, int]] | None:
    """The spans of the gene alterations a permission sentence adds, when it adds only them."""
    head = _WHY.sub(lambda m: m.group(0).split()[0], sentence)
    spans = [(s, e) for s, e, _ in read_molecular.genes(head)]
    if not spans:
        return None
    rest = _blank(head, spans)
    if any(w.lower() not in _GENE_FILLER for w in re.findall(r"[A-Za-z]+", rest)):
        return None
    return spans


def _outside(start: int, end: int, keep: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans, at = [], start
    for s, e in sorted(keep):
        spans.append((at, s))
        at = e
    return [*spans, (at, end)]


def shape(text: str, context: str) -> Shape:
    """How one item applies, and the text its phrases are read from."""
    judgement = bool(_JUDGEMENT.search(text))
    subject = _subject(text)
    # "… and meet cohort-specific criteria": not a condition on who the item is for, but a
    # requirement left unread (met needs review; what was read can still fail)
    references = [(m.start(), m.end()) for m in _COHORT_REFERENCE.finditer(text)]
    cohort = bool(_COHORT.search(_blank(text, references)) or _COHORT.search(context))
    unreadable = (
        bool(_UNREADABLE_CONDITION.search(text) or _UNREADABLE_CONDITION.search(context))
        and not cohort
    )
    if subject and (_OTHERS.search(text) or unreadable):
        return Shape(text, False, False, False, None, (), judgement)
    spans, filler = _permissions(text, subject.end() if subject else 0)
    spans += [(m.start(), m.end()) for m in _SUBGROUP.finditer(text)]
    wider = [(m.start(), m.end()) for m in _WIDER.finditer(text)]
    # "For some parts of the study only:": carried by ``conditional``, not words to read
    filler += [
        (m.start(), m.end())
        for m in _COHORT.finditer(_blank(text, references))
        if not m.group(0).endswith(":")
    ]
    work = _blank(text, spans + wider + filler)
    if subject is None:
        return Shape(work, bool(spans), bool(wider), cohort, None, (), judgement)
    bounds = (subject.start("subject"), subject.end("subject"))
    consumed = ((subject.start(), subject.start("subject")), (subject.start("verb"), subject.end()))
    return Shape(work, bool(spans), bool(wider), True, bounds, consumed, judgement)


def unreadable(text: str, context: str) -> bool:
    """A condition the readers cannot place (a cohort list, "Cancer: …", a roman-numbered
    sub-item): the item stays for review."""
    if _COHORT.search(text) or _COHORT.search(context):
        return False
    if _subject(text) and _OTHERS.search(text):
        return True
    return bool(_UNREADABLE_CONDITION.search(text) or _UNREADABLE_CONDITION.search(context))
