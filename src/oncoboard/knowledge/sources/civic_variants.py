# SPDX-License-Identifier: Apache-2.0
"""CIViC variant names and molecular-profile expressions as typed rules (also used for CGI).

A name OncoBoard cannot read becomes an ``UnsupportedRule`` with the reason, never a guess; a
gene symbol that is not in HGNC form is a row error (the importer drops the row).
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from pydantic import TypeAdapter, ValidationError

from oncoboard.errors import InputError
from oncoboard.knowledge.rules import (
    AnyRule,
    CodonRule,
    CompositeRule,
    CopyNumberRule,
    ExonRule,
    ExpressionRule,
    FusionRule,
    Gene,
    GeneAnyRule,
    LossOfFunctionRule,
    Origin,
    ProteinRule,
    UnsupportedRule,
    WildTypeRule,
)
from oncoboard.record.genomics import ProteinChange

_GENE = TypeAdapter(Gene)


class RowError(Exception):
    """A row that cannot be published: the importer drops it with this located reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(
            f"field {field} empty" if reason == "empty" else f"field {field}: {reason}"
        )
        self.field = field


class ProfileError(Exception):
    """A molecular profile expression that cannot be parsed without guessing."""


def open_tsv(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line number, fields)`` of a TSV (plain or gzip), header first (line 1).

    Fields are read with the csv module (pandas wrote the 2022 CIViC subset with ``"``
    quoting); the line number is the physical line where the record starts.
    """
    opener: Callable[..., IO[str]] = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t")
            start = 1
            for fields in reader:
                yield start, fields
                start = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path.name}: cannot read as UTF-8 TSV: {exc}") from exc


def check_gene(symbol: str, field: str = "gene") -> str:
    """The symbol if it is in HGNC form (``rules.Gene``); otherwise a row error."""
    try:
        return _GENE.validate_python(symbol)
    except ValidationError:
        raise RowError(field, f"gene symbol {symbol!r} is not in HGNC form") from None


def unsupported(description: str, reason: str) -> UnsupportedRule:
    return UnsupportedRule(description=description, reason=reason)


# Protein notation as CIViC writes it (the 2022 subset upper-cased every name, so the HGVS
# keywords arrive as DEL/INS/FS). ">" is CIViC's legacy shorthand for delins (V600_K601>E).
_PROTEIN_RE = re.compile(
    r"^(?P<span>[A-Z]\d+(?:_[A-Z]\d+)?)"
    r"(?P<rest>[A-Z*]|DEL[A-Z]*|INS[A-Z]+|DELINS[A-Z*]+|DUP[A-Z]*|FS(?:\*\d+)?|>[A-Z]+)$"
)
_CODON_RE = re.compile(r"^(?P<ref>[A-Z])(?P<pos>\d+)$")
_KEYWORD_RE = re.compile(r"^(DELINS|DEL|INS|DUP|FS)")


def protein_rule(gene: str, name: str, origin: Origin) -> ProteinRule | CodonRule | None:
    """``V600E`` → ProteinRule, ``G12`` → CodonRule, anything else → None."""
    text = name.strip().upper()
    codon = _CODON_RE.match(text)
    if codon:
        return CodonRule(gene=gene, ref=codon["ref"], position=int(codon["pos"]), origin=origin)
    match = _PROTEIN_RE.match(text)
    if not match:
        return None
    rest = match["rest"]
    rest = "delins" + rest[1:] if rest.startswith(">") else _KEYWORD_RE.sub(_lower, rest)
    change = ProteinChange.parse(match["span"] + rest)
    return ProteinRule(gene=gene, protein_change=change.short, origin=origin)


def _lower(match: re.Match[str]) -> str:
    return match.group(0).lower()


_EXON_RE = re.compile(r"^EXON (\d+) (DELETION|INSERTION|SKIPPING MUTATION|MUTATIONS?)$")
_EXON_CHANGE = {"DELETION": "deletion", "INSERTION": "insertion", "SKIPPING MUTATION": "skipping"}
_GENE_ANY = {"MUTATION", "MUTATIONS"}
_LOSS_OF_FUNCTION = {
    "LOSS-OF-FUNCTION",
    "LOSS OF FUNCTION",
    "TRUNCATING MUTATION",
    "TRUNCATING MUTATIONS",
}
_COPY_NUMBER = {"AMPLIFICATION": "amplification", "DELETION": "deletion", "LOSS": "deletion"}
_EXPRESSION = {"OVEREXPRESSION", "EXPRESSION", "UNDEREXPRESSION"}
_WILD_TYPE = {"WILDTYPE", "WILD TYPE", "WILD-TYPE"}
_ANY_FUSION = {"FUSION", "FUSIONS"}


def keyword_rule(gene: str, name: str, origin: Origin) -> AnyRule | None:
    """Gene-level CIViC variant names (``AMPLIFICATION``, ``EXON 19 DELETION``, ...)."""
    text = " ".join(name.upper().split())
    rule: AnyRule | None = None
    if text in _GENE_ANY:
        rule = GeneAnyRule(gene=gene, origin=origin)
    elif text in _LOSS_OF_FUNCTION:
        rule = LossOfFunctionRule(gene=gene, origin=origin)
    elif text in _COPY_NUMBER:
        rule = CopyNumberRule(gene=gene, direction=_COPY_NUMBER[text])
    elif text in _EXPRESSION:
        rule = ExpressionRule(marker=gene, result=text.lower())
    elif text in _WILD_TYPE:
        rule = WildTypeRule(gene=gene)
    elif text in _ANY_FUSION:
        # the partner and the side are unknown: ``ordered=False`` lets either be 5'
        rule = FusionRule(gene_5p=gene, gene_3p=None, ordered=False)
    elif exon := _EXON_RE.match(text):
        change = _EXON_CHANGE.get(exon[2], "mutation")
        rule = ExonRule(gene=gene, exon=int(exon[1]), change=change, origin=origin)
    return rule


def fusion_rule(token: str, rest: str) -> AnyRule:
    """``EML4::ALK`` (HGNC fusion notation, 5' partner first) with an optional ``Fusion``."""
    five, _, three = token.partition("::")
    description = f"{token} {rest}".strip()
    if rest and rest.upper() not in _ANY_FUSION:
        return unsupported(description, "fusion with a specific breakpoint or exon pair")
    return FusionRule(
        gene_5p=check_gene(five, "fusion partner"), gene_3p=check_gene(three, "fusion partner")
    )


def variant_rule(gene: str, name: str, origin: Origin) -> AnyRule:
    """One CIViC variant name of one gene as a rule; Unsupported with the reason otherwise."""
    text = name.strip()
    if "::" in text:
        token, _, rest = text.partition(" ")
        return fusion_rule(token, rest.strip())
    rule = keyword_rule(gene, text, origin) or protein_rule(gene, text, origin)
    if rule is not None:
        return rule
    return unsupported(f"{gene} {text}", _why_unsupported(text.upper()))


def _why_unsupported(text: str) -> str:
    if text.startswith("C."):
        return "cDNA-level (c.) name without usable genomic coordinates"
    if re.match(r"^RS\d+$", text):
        return "dbSNP id without usable genomic coordinates"
    if text.startswith("EXON "):
        return "exon-level change other than deletion, insertion, skipping or mutation"
    return "variant name not recognised as a protein change, codon or gene-level class"


# --- molecular profile expressions ------------------------------------------------------
# CIViC v2 molecular profile names join "GENE VARIANT" segments with AND, OR, NOT and
# parentheses (civic-docs, model/molecular_profiles/overview.rst). Mixing AND and OR at
# one level without parentheses has no documented precedence: refused, not guessed.

_TOKEN_RE = re.compile(r"\(|\)|\bAND\b|\bOR\b|\bNOT\b|[^()]+?(?=\(|\)|\bAND\b|\bOR\b|\bNOT\b|$)")
Segment = Callable[[str], AnyRule]


def parse_profile(text: str, segment: Segment) -> AnyRule:
    """Parse a profile expression; ``segment`` turns one ``GENE VARIANT`` text into a rule."""
    tokens = [t.strip() for t in _TOKEN_RE.findall(text) if t.strip()]
    if not tokens:
        raise ProfileError("empty molecular profile")
    rule, end = _expression(tokens, 0, segment)
    if end != len(tokens):
        raise ProfileError(f"unexpected {tokens[end]!r}")
    return rule


def _expression(tokens: list[str], pos: int, segment: Segment) -> tuple[AnyRule, int]:
    first, pos = _term(tokens, pos, segment)
    rules, operator = [first], None
    while pos < len(tokens) and tokens[pos] in ("AND", "OR"):
        if operator is not None and tokens[pos] != operator:
            raise ProfileError("AND and OR mixed without parentheses")
        operator = tokens[pos]
        rule, pos = _term(tokens, pos + 1, segment)
        rules.append(rule)
    if operator is None:
        return first, pos
    return CompositeRule(operator=operator.lower(), rules=tuple(rules)), pos


def _term(tokens: list[str], pos: int, segment: Segment) -> tuple[AnyRule, int]:
    if pos >= len(tokens):
        raise ProfileError("expression ends after an operator")
    token = tokens[pos]
    if token == "NOT":
        inner, pos = _term(tokens, pos + 1, segment)
        return CompositeRule(operator="not", rules=(inner,)), pos
    if token == "(":
        inner, pos = _expression(tokens, pos + 1, segment)
        if pos >= len(tokens) or tokens[pos] != ")":
            raise ProfileError("unbalanced parentheses")
        return inner, pos + 1
    if token in ("AND", "OR", ")"):
        raise ProfileError(f"unexpected {token!r}")
    return segment(token), pos + 1
