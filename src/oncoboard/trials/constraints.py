# SPDX-License-Identifier: Apache-2.0
"""Eligibility items → typed constraints, rule-based and deliberately narrow.

A phrase is structured only when a rule reads it exactly; everything else stays a criterion for
review. Cohort-specific or conditional items ("Part 1A: …", "patients with X must …", "… are
eligible if …") are never structured: they do not apply to every patient.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from oncoboard.trials import labs, read_disease, read_molecular, read_person, read_therapy
from oncoboard.trials.criteria import Item, split
from oncoboard.trials.schemas import (
    AgeConstraint,
    Criterion,
    Eligibility,
    Found,
    SexConstraint,
    Structured,
)

_CONDITIONAL = re.compile(
    r"^(?:part|cohort|arm)\s*\w*\s*:|\bfor (?:some|one|select|certain) (?:parts?|patients|arms?|"
    r"cohorts?)\b|\bsome parts of the study\b|\b(?:are|is) (?:also )?eligible\b|"
    r"\bpatients with [^,;:]{3,60}? must\b|\bcohort\b|(?:cancer|tumou?rs?)\s*:",
    re.IGNORECASE,
)

_ECOG_LONG = re.compile(r"Eastern Cooperative Oncology Group\s*\(\s*ECOG\s*\)\s*", re.IGNORECASE)

_ANY_OF_TYPES = ("cancer_type", "gene_alteration")

_EXCEPTION = re.compile(r"\b(?:except|unless|excluding|other than|allowed|permitted)\b", re.I)

_STOP = frozenset((
    "a", "an", "the", "and", "or", "of", "to", "in", "at", "on", "for", "with", "by", "as", "be",
    "is", "are", "was", "were", "must", "should", "have", "has", "had", "who", "which", "that",
    "this", "these", "those", "any", "all", "least", "patients", "patient", "subjects", "subject",
    "participants", "participant", "women", "men", "males", "females", "female", "male", "pre",
    "postmenopausal", "histologically", "cytologically", "confirmed", "proven", "documented",
    "diagnosis", "disease", "evidence", "known", "history", "current", "currently", "positive",
    "negative", "status", "performance", "years", "year", "old", "age", "aged", "eligible", "not",
    "ineligible", "inclusive", "serum", "total", "score", "eastern", "cooperative", "oncology",
    "group", "ecog", "level", "count", "absolute", "prior", "previous", "previously", "received",
    "receive", "treatment", "therapy", "also", "only", "locally", "advanced", "metastatic",
    "unresectable", "recurrent", "mutation", "mutations", "tumor", "tumors", "tumour", "tumours",
    "cancer", "confirmed", "either",
))  # fmt: skip
_WORD = re.compile(r"[A-Za-z]{3,}")


def structure(eligibility: Eligibility) -> tuple[Criterion, ...]:
    """The module's own age/sex fields, then every item of the free text."""
    out: list[Criterion] = list(_module_criteria(eligibility))
    counters = {"inclusion": 0, "exclusion": 0}
    for item in split(eligibility.criteria_text):
        counters[item.section] += 1
        prefix = "I" if item.section == "inclusion" else "E"
        out.append(_criterion(item, f"{prefix}{counters[item.section]}"))
    return tuple(out)


def _module_criteria(eligibility: Eligibility) -> Iterator[Criterion]:
    low, high = eligibility.minimum_age_years, eligibility.maximum_age_years
    if low is not None or high is not None:
        text = f"minimumAge {eligibility.minimum_age_text or 'none'}, maximumAge {eligibility.maximum_age_text or 'none'}"
        age = AgeConstraint(min_years=low, max_years=high)
        yield Criterion(
            id="M-age", section="inclusion", text=text, source_field="eligibilityModule",
            constraints=(Structured(constraint=age, evidence=text),),
        )  # fmt: skip
    if eligibility.sex in ("FEMALE", "MALE"):
        sex = SexConstraint(sex="female" if eligibility.sex == "FEMALE" else "male")
        yield Criterion(
            id="M-sex", section="inclusion", text=f"sex {eligibility.sex}",
            source_field="eligibilityModule",
            constraints=(Structured(constraint=sex, evidence=eligibility.sex),),
        )  # fmt: skip


def _criterion(item: Item, criterion_id: str) -> Criterion:
    text = item.text
    base = {
        "id": criterion_id,
        "section": item.section,
        "text": text,
        "start": item.start,
        "end": item.end,
        "depth": item.depth,
    }
    if _CONDITIONAL.search(text) or _CONDITIONAL.search(item.context):
        return Criterion(**base, not_structured_because="applies to one cohort or condition only")
    work = _ECOG_LONG.sub(lambda m: "ECOG".ljust(len(m.group(0))), text)
    found = extract(work, item.section)
    if not found:
        return Criterion(**base, not_structured_because="no rule reads this text")
    found = _dedupe(found)
    residual = _residual(work, [(s, e) for s, e, _ in found])
    return Criterion(
        **base,
        constraints=_grouped(text, found),
        partial=bool(residual),
        has_exceptions=bool(_EXCEPTION.search(" ".join(residual))),
    )


def extract(text: str, section: str) -> list[Found]:
    """Every constraint found in one cleaned item, ordered by position."""
    masked = text
    found: list[Found] = []
    therapy = list(read_therapy.prior_therapies(text, section))
    for start, end, _ in therapy:  # "KRAS G12C inhibitor" is a drug class, not a biomarker
        masked = masked[:start] + " " * (end - start) + masked[end:]
    found += therapy
    readers: list[Callable[[str], Iterator[Found]]] = [
        read_person.age, read_person.ecog, read_molecular.genes, read_molecular.markers,
        read_therapy.lines,
    ]  # fmt: skip
    if section == "inclusion":
        readers += [read_disease.cancer_types, read_disease.stages]
    else:
        readers += [read_disease.brain, read_person.pregnancy, read_disease.stages]
    for reader in readers:
        found += list(reader(masked))
    found += labs.find(masked)
    return sorted(found, key=lambda f: f[0])


def _dedupe(found: list[Found]) -> list[Found]:
    """Drop repeats and a constraint inside a longer one of the same type ("breast cancer" in
    "early invasive breast cancer")."""
    kept: list[Found] = []
    for start, end, constraint in found:
        inside = any(
            s <= start and end <= e and (s, e) != (start, end) and c.type == constraint.type
            for s, e, c in found
        )
        if not inside and all(c != constraint for _, _, c in kept):
            kept.append((start, end, constraint))
    return kept


def _grouped(text: str, found: list[Found]) -> tuple[Structured, ...]:
    """Neighbours joined only by "or" / "and/or" form one any-of group; others are AND-ed."""
    out: list[Structured] = []
    group, previous_end = 0, None
    shared: dict[str, int] = {}
    for start, end, constraint in found:
        gap = text[previous_end:start] if previous_end is not None else ""
        if previous_end is not None and not re.fullmatch(r"[\s,]*(?:and/)?or[\s,]*", gap):
            group += 1
        mine = group
        if constraint.type in _ANY_OF_TYPES:
            mine = shared.setdefault(constraint.type, group)
        out.append(Structured(constraint=constraint, evidence=text[start:end], group=mine))
        previous_end = max(end, previous_end or 0)
    return tuple(out)


def _residual(text: str, spans: list[tuple[int, int]]) -> list[str]:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return [w for w in _WORD.findall("".join(chars)) if w.lower() not in _STOP]
