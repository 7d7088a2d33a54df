# SPDX-License-Identifier: Apache-2.0
"""Reader for "known allergy or hypersensitivity to the study drug" items.

Read only when the object of the allergy is the study treatment itself (its drugs, "any of the
components", excipients, the investigational product, a drug named by generic name or by a
sponsor code such as "S241656", or "compounds similar to <drug>"): a record's "no known
medication allergies" answers those. Allergies to anything else (contrast media, latex, food,
"an allergic constitution") are not read and stay for review.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from oncoboard.trials.drugs import members
from oncoboard.trials.schemas import DrugAllergyConstraint, Found

_QUALIFIER = (
    r"(?:(?:a\s+)?(?:known|documented|suspected|prior|previous|serious|severe|life-threatening|"
    r"immediate|delayed|acute|history of|or|and|/|,)\s*)*"
)
_REACTION = (
    r"(?:allerg(?:y|ies|ic reactions?)|hypersensitivit(?:y|ies)(?:\s+reactions?)?|"
    r"anaphyla(?:xis|ctic reactions?)|intolerance)"
    r"(?:\s*(?:/|or|and(?:/or)?)\s*(?:allerg(?:y|ies)|hypersensitivit(?:y|ies)|intolerance))*"
)
_LINK = r"\s*(?:\([^)]{0,40}\)\s*)?(?:attributed\s+)?(?:to|against|towards?)\s+"
_START = re.compile(rf"\b{_QUALIFIER}{_REACTION}{_LINK}", re.IGNORECASE)
# what the study treatment is called in a protocol
_STUDY_TREATMENT = re.compile(
    r"\b(?:(?:the\s+|any\s+(?:of\s+)?(?:the\s+)?)?(?:investigational|study|trial|experimental)\s+"
    r"(?:drugs?|agents?|products?|treatments?|medications?|medicinal products?|interventions?|"
    r"therap(?:y|ies)|compounds?)|IMPs?|excipients?|components?|ingredients?|formulations?|"
    r"(?:any of )?the (?:drugs|agents|medications) (?:used|given|administered) in (?:this|the) "
    r"(?:study|trial)|compounds? of (?:similar )?(?:chemical|biologic(?:al)?)(?: or "
    r"(?:chemical|biologic(?:al)?))? composition (?:similar )?to|monoclonal antibod(?:y|ies)|"
    r"platinum(?:-based)? (?:compounds|agents|drugs|chemotherapy)|taxanes?|fluoropyrimidines?)\b",
    re.IGNORECASE,
)
# a sponsor code ("S241656", "AMG 510", "MK-1084")
_CODE_NAME = re.compile(r"\b[A-Z]{1,5}[- ]?\d{3,7}\b")
_SEVERITY = re.compile(
    r"\bserious\b|\bsevere\b|life-threatening|\bgrade\b|anaphyla|requir\w+|\bimmediate\b|"
    r"\bdelayed\b",
    re.IGNORECASE,
)
# a further drug of the list that the vocabulary lacks, recognised by an antineoplastic INN stem
# (WHO, "The use of stems in the selection of INN", -mab, -tinib, -leukin, -platin, -taxel, …):
# "hypersensitivity to cyclophosphamide, fludarabine, or aldesleukin"
_INN_STEM = re.compile(
    r"(?:[\s,]+(?:or|and|and/or)?\s*)([a-z]{3,}(?:mab|tinib|rafenib|ciclib|parib|lisib|leukin|"
    r"platin|taxel|rubicin|tecan|citabine|darabine|trexed|zomib|fosfamide|mustine|sertib|"
    r"degib|metinib|tansine|vedotin|ozogamicin))\b",
    re.IGNORECASE,
)
# words that may join the study treatment's names in the same clause
_JOINERS = re.compile(
    r"^(?:[\s,;/()-]|\b(?:or|and|and/or|to|of|any|the|its|their|all|each|other|registered|active|"
    r"inactive|"
    r"administered|used|given|in|combination|with|this|study|trial|drugs?|agents?|products?|"
    r"treatments?|partners?|class|classes|similar|same|compounds?|excipients?|components?|"
    r"ingredients?|formulations?|etc)\b\.?)*$",
    re.IGNORECASE,
)


def _drugs(text: str) -> list[tuple[int, int, str]]:
    """Generic drug names of the vocabulary found in ``text``, with their spans."""
    names = sorted({name for group in members().values() for name in group}, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)
    return [(m.start(), m.end(), m.group(0).lower()) for m in pattern.finditer(text)]


def drug_allergy(text: str) -> Iterator[Found]:
    """ "Known hypersensitivity to any of the study drugs or their excipients": one constraint
    spanning the reaction word to the last name of the study treatment in its clause."""
    for start in _START.finditer(text):
        clause_end = min(
            (i for i in (text.find(";", start.end()), text.find(". ", start.end())) if i != -1),
            default=len(text),
        )
        clause = text[start.end() : clause_end]
        named = _drugs(clause)
        targets = [(m.start(), m.end()) for m in _STUDY_TREATMENT.finditer(clause)]
        targets += [(m.start(), m.end()) for m in _CODE_NAME.finditer(clause)]
        targets += [(s, e) for s, e, _ in named]
        if not targets:
            continue
        first = min(s for s, _ in targets)
        if clause[:first].strip(" ,") and not _JOINERS.match(clause[:first]):
            continue  # "allergy to iodinated contrast or to study drug": another object first
        end = max(e for _, e in targets)
        # the span runs on over joining words only ("… or to any of the registered IMPs
        # administered in combination"); anything else stays unread for review
        tail = clause[end:]
        extra = re.match(r"(?:[\s,/-]+(?:or|and|administered|used|given|in|combination|with|"
                         r"this|the|study|trial|partners?|drugs?|agents?|a|similar|chemical|"
                         r"structures?|class|classes)\b)*", tail)  # fmt: skip
        end += extra.end() if extra else 0
        more = []
        while stem := _INN_STEM.match(clause, end):
            more.append(stem.group(1).lower())
            end = stem.end()
        yield (
            start.start(),
            start.end() + end,
            DrugAllergyConstraint(
                drugs=tuple(dict.fromkeys([*(name for _, _, name in named), *more])),
                qualified=bool(_SEVERITY.search(text[start.start() : start.end()])),
            ),
        )
        return
