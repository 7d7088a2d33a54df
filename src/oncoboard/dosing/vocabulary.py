# SPDX-License-Identifier: Apache-2.0
"""Adverse-event vocabulary: all 837 CTCAE v5.0 terms, their MedDRA codes, common synonyms and
the label events (DRESS, GI perforation, …) the dose tables name; pure, loaded once.

Any spelling a clinician types resolves to one term: the CTCAE name, its MedDRA LLT code, a
synonym or abbreviation, British spellings (``haemorrhage``, ``diarrhoea``) and hyphen or case
variants. Only text that is none of these is refused, with the closest terms suggested.
"""

from __future__ import annotations

import difflib
import json
import re
from functools import cache
from importlib import resources
from typing import Any

from oncoboard.dosing.schemas import AeTerm, AeVocabulary
from oncoboard.errors import InputError, Problem

# British -> American spelling pieces, as CTCAE v5.0 spells its terms
_SPELLING = (
    ("diarrhoea", "diarrhea"),
    ("oesoph", "esoph"),
    ("oedem", "edem"),
    ("ischaem", "ischem"),
    ("leukaem", "leukem"),
    ("aemia", "emia"),
    ("haem", "hem"),
    ("aesth", "esth"),
    ("faec", "fec"),
    ("tumour", "tumor"),
    ("necrotis", "necrotiz"),
)
_SEPARATORS = re.compile(r"[\s\-_/,()]+")


def normalise(text: str) -> str:
    """The look-up key of a term as typed.

    Examples
    --------
    >>> normalise("  Haemorrhage, upper-GI ")
    'hemorrhage upper gi'
    >>> normalise("Stevens Johnson syndrome") == normalise("Stevens-Johnson syndrome")
    True
    """
    key = text.strip().lower()
    for british, american in _SPELLING:
        key = key.replace(british, american)
    return _SEPARATORS.sub(" ", key).strip()


def _json(name: str) -> Any:
    return json.loads(resources.files("oncoboard.dosing").joinpath("rules", name).read_text())


@cache
def vocabulary() -> AeVocabulary:
    """Every CTCAE v5.0 term with its synonyms, then the label events."""
    ctcae = _json("ctcae_v5_terms.json")
    synonyms = _json("ae_synonyms.json")
    aliases: dict[str, list[str]] = synonyms["aliases"]
    terms = [
        AeTerm(
            ctcae_term=name,
            meddra_code=code,
            soc=soc,
            grades=tuple(int(g) for g in grades),
            aliases=tuple(aliases.get(name, ())),
        )
        for soc, rows in ctcae["socs"].items()
        for name, code, grades in rows
    ]
    terms += [
        AeTerm(
            ctcae_term=event["term"],
            meddra_code=None,
            soc=event["soc"],
            grades=(1, 2, 3, 4, 5),
            aliases=tuple(event["aliases"]),
            kind="label_event",
            note=event["note"],
        )
        for event in synonyms["label_events"]
    ]
    return AeVocabulary(ctcae_version="5.0", source=ctcae["source"], terms=tuple(terms))


@cache
def _index() -> dict[str, AeTerm]:
    found: dict[str, AeTerm] = {}
    for term in vocabulary().terms:
        keys = [term.ctcae_term, *term.aliases]
        if term.meddra_code:
            keys.append(term.meddra_code)
        for key in keys:
            found.setdefault(normalise(key), term)
    return found


def ambiguous_aliases() -> list[tuple[str, str, str]]:
    """(key, first term, second term) for every key that names two terms (tests keep it empty)."""
    seen: dict[str, str] = {}
    clashes = []
    for term in vocabulary().terms:
        keys = {normalise(k) for k in (term.ctcae_term, *term.aliases)}
        for key in keys:
            if key in seen and seen[key] != term.ctcae_term:
                clashes.append((key, seen[key], term.ctcae_term))
            seen.setdefault(key, term.ctcae_term)
    return clashes


def find_term(text: str) -> AeTerm:
    """A term by CTCAE name, MedDRA code, synonym or label-event name (any case or spelling).

    Examples
    --------
    >>> find_term("diarrhoea").ctcae_term
    'Diarrhea'
    >>> find_term("10054524").ctcae_term
    'Palmar-plantar erythrodysesthesia syndrome'
    >>> find_term("DRESS").kind
    'label_event'
    """
    found = _index().get(normalise(text))
    if found is not None:
        return found
    near = suggestions(text)
    hint = f"; closest: {', '.join(near)}" if near else ""
    raise InputError(
        f"adverse event {text!r} is not a CTCAE v5.0 term, MedDRA code or known synonym{hint} "
        "(field ae)",
        problems=[
            Problem(
                source="dose proposal",
                locator="request",
                field="ae",
                value=text,
                expected=f"a CTCAE v5.0 term, its MedDRA code or a synonym{hint}",
            )
        ],
    )


def suggestions(text: str, limit: int = 3) -> list[str]:
    """The terms whose names or synonyms are spelled closest to ``text``."""
    index = _index()
    keys = difflib.get_close_matches(normalise(text), list(index), n=limit * 3, cutoff=0.6)
    return list(dict.fromkeys(index[k].ctcae_term for k in keys))[:limit]
