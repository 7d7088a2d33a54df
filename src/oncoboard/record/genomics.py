# SPDX-License-Identifier: Apache-2.0
"""Canonical genomic values: genome build and protein change, each with normalising constructors."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from oncoboard.errors import InputError

GenomeBuild = Literal["GRCh37", "GRCh38"]

_BUILD_ALIASES: dict[str, GenomeBuild] = {
    "grch37": "GRCh37",
    "hg19": "GRCh37",
    "37": "GRCh37",
    "b37": "GRCh37",
    "hs37d5": "GRCh37",
    "grch37.p13": "GRCh37",
    "grch38": "GRCh38",
    "hg38": "GRCh38",
    "38": "GRCh38",
    "b38": "GRCh38",
    "grch38.p13": "GRCh38",
    "grch38.p14": "GRCh38",
}


def parse_genome_build(text: str) -> GenomeBuild:
    """Map the spellings seen in real files (``hg19``, ``37``, ``GRCh38.p13``) to one build.

    Examples
    --------
    >>> parse_genome_build("hg19"), parse_genome_build("38")
    ('GRCh37', 'GRCh38')
    """
    key = text.strip().lower()
    if key in _BUILD_ALIASES:
        return _BUILD_ALIASES[key]
    for token in re.split(r"[/_.:\s]+", key):
        if token in ("grch37", "hg19", "b37", "hs37d5", "grch37p13"):
            return "GRCh37"
        if token in ("grch38", "hg38", "b38"):
            return "GRCh38"
    raise InputError(f"unknown genome build {text!r}; expected GRCh37 (hg19) or GRCh38 (hg38)")


AA3_TO_1 = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*",
    "Sec": "U", "Pyl": "O", "Xaa": "X",
}  # fmt: skip
AA1_TO_3 = {v: k for k, v in AA3_TO_1.items()}

_AA3 = "|".join(AA3_TO_1)
_AA = rf"(?:{_AA3}|[ACDEFGHIKLMNPQRSTVWYUOX*])"
_PROTEIN_RE = re.compile(
    rf"^(?P<ref>{_AA})(?P<pos>\d+)"
    rf"(?:_(?P<ref2>{_AA})(?P<pos2>\d+))?"
    rf"(?P<rest>.*)$"
)


class ProteinChange(BaseModel):
    """A protein-level change in one canonical short form (``p.V600E``).

    ``p.Val600Glu``, ``p.V600E``, ``V600E`` and ``p.(Val600Glu)`` are one value.

    Examples
    --------
    >>> ProteinChange.parse("p.Val600Glu") == ProteinChange.parse("V600E")
    True
    >>> ProteinChange.parse("p.(Gly12Cys)").short
    'p.G12C'
    """

    model_config = ConfigDict(frozen=True)

    ref: str
    position: int
    end_ref: str | None = None
    end_position: int | None = None
    change: str

    @classmethod
    def parse(cls, text: str) -> ProteinChange:
        """Parse HGVS p. in 3- or 1-letter code, with or without ``p.`` and parentheses."""
        return _parse_protein(text)

    @property
    def short(self) -> str:
        span = f"{self.ref}{self.position}"
        if self.end_position is not None:
            span += f"_{self.end_ref}{self.end_position}"
        return f"p.{span}{self.change}"

    @property
    def codon(self) -> str:
        """Reference residue and position, e.g. ``G12`` for codon-level rules."""
        return f"{self.ref}{self.position}"

    def __str__(self) -> str:
        return self.short


_KEYWORDS = ("delins", "del", "ins", "dup", "fs", "ext")
_LOWER = re.compile("[a-z]")


@lru_cache(maxsize=1 << 16)
def _parse_protein(text: str) -> ProteinChange:
    """Cached: a cohort screen parses the same few thousand changes tens of thousands of times
    (the model is frozen, so sharing one instance is safe)."""
    raw = text.strip()
    body = raw.split(":")[-1]
    if body.startswith("p."):
        body = body[2:]
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    match = _PROTEIN_RE.match(body)
    if not match or body in ("?", "0", "="):
        raise InputError(f"not an HGVS protein change: {text!r}")
    ref = AA3_TO_1.get(match["ref"], match["ref"])
    ref2 = match["ref2"]
    change = _normalise_change_text(match["rest"])
    if change == "":
        raise InputError(f"HGVS protein change has no alteration: {text!r}")
    return ProteinChange(
        ref="*" if ref == "X" else ref,
        position=int(match["pos"]),
        end_ref=AA3_TO_1.get(ref2, ref2) if ref2 else None,
        end_position=int(match["pos2"]) if match["pos2"] else None,
        change=change,
    )


def _normalise_change_text(rest: str) -> str:
    """Normalise the part after the position: ``Glu`` → ``E``, ``Ter``/``X`` → ``*``."""
    if not _LOWER.search(rest):  # one-letter code already (``E``, ``*``): nothing to convert
        return rest.replace("X", "*")
    out = rest
    for word in _KEYWORDS:
        out = out.replace(word, f"\x00{word}\x00")
    pieces = out.split("\x00")
    converted = []
    for piece in pieces:
        if piece in _KEYWORDS:
            converted.append(piece)
        else:
            converted.append(_convert_residues(piece))
    return "".join(converted)


def _convert_residues(piece: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(piece):
        three = piece[i : i + 3]
        if three in AA3_TO_1:
            out.append(AA3_TO_1[three])
            i += 3
            continue
        char = piece[i]
        out.append("*" if char == "X" else char)
        i += 1
    return "".join(out)
