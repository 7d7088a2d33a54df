# SPDX-License-Identifier: Apache-2.0
"""Negation and exception scope of the phrases read from one eligibility item.

NegEx (Chapman et al., J Biomed Inform 2001;34:301-310) as packaged by ``negspacy`` (MIT), on a
blank spaCy English pipeline (rule-based tokeniser and sentencizer only: nothing is downloaded,
no statistical model runs). Two NegEx passes share the tokens: the clinical termset for
negation ("no prior", "without", "not"), and a termset of our own for exceptions ("except",
"excluding", "other than", "unless") whose scope marks what a criterion carves out, such as the
tumour types in "solid tumors (excluding NSCLC and CRC)".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Negation triggers of the clinical termset that misread eligibility text ("versus" and "doubt"
# do not negate in a protocol; "declined standard treatment" is a fact, not a negation).
_NOT_NEGATIONS = frozenset({"versus", "doubt", "evaluate for", "declined", "symptoms atypical"})
_EXCEPTION_TERMS = {
    "pseudo_negations": ["not limited to", "including but not limited to"],
    "preceding_negations": [
        "except", "except for", "excepting", "excluding", "other than", "with the exception of",
        "unless", "apart from", "aside from", "exceptions include", "exceptions are",
        "exception of",
    ],
    "following_negations": ["are excepted", "is excepted"],
    "termination": ["but", "however", ";", "and must", "must", "who", "which"],
}  # fmt: skip


@dataclass(frozen=True)
class Scope:
    """Whether a phrase lies in a negation ("no prior …") or an exception ("except …")."""

    negated: bool
    excepted: bool


@lru_cache(maxsize=1)
def _pipeline() -> Any:
    import spacy
    from negspacy.negation import Negex  # noqa: F401  (registers the "negex" factory)
    from negspacy.termsets import termset

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    clinical = termset("en_clinical").get_patterns()
    clinical["preceding_negations"] = [
        t for t in clinical["preceding_negations"] if t not in _NOT_NEGATIONS
    ]
    clinical["following_negations"] = [
        t for t in clinical["following_negations"] if t not in _NOT_NEGATIONS
    ] + ["must be negative", "negative", "can not", "cannot be"]
    clinical["preceding_negations"] += ["seronegative for", "seronegative", "can not be"]
    clinical["pseudo_negations"] += [
        "not limited to",
        "but not limited to",
        "including but not limited to",
        "not eligible",
        "are not eligible",
        "is not eligible",
        # "infections that cannot be controlled" are uncontrolled infections, not no infection
        "cannot be controlled",
        "can not be controlled",
        "could not be controlled",
    ]
    nlp.add_pipe("negex", name="negation", config={"neg_termset": clinical})
    nlp.add_pipe(
        "negex",
        name="exception",
        config={"neg_termset": _EXCEPTION_TERMS, "extension_name": "excepted"},
    )
    return nlp


def scopes(text: str, spans: Sequence[tuple[int, int]]) -> list[Scope]:
    """One ``Scope`` per character span of ``text`` (spans may overlap).

    Examples
    --------
    >>> [s.negated for s in scopes("No prior EGFR TKI therapy", [(9, 17)])]
    [True]
    >>> [s.excepted for s in scopes("solid tumors (excluding NSCLC and CRC)", [(0, 12), (24, 29)])]
    [False, True]
    """
    if not spans:
        return []
    nlp = _pipeline()
    out = []
    for start, end in spans:
        doc = nlp.make_doc(text)
        span = doc.char_span(start, end, label="PHRASE", alignment_mode="expand")
        if span is None:
            out.append(Scope(False, False))
            continue
        doc.ents = [span]
        for _, component in nlp.pipeline:
            doc = component(doc)
        entity = doc.ents[0]
        out.append(Scope(bool(entity._.negex), bool(entity._.excepted)))
    return out
