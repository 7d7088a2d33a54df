# SPDX-License-Identifier: Apache-2.0
"""Read a lab's diplotype text into CPIC allele names: ``*1/*2A``, ``DPYD*1/*2A``,
``c.1905+1G>A/Reference``, ``[c.498G>A + c.2846A>T]/Reference``, ``rs3918290/Reference``."""

from __future__ import annotations

import re

from oncoboard.errors import InputError, Problem
from oncoboard.pharmacogenomics.schemas import CpicAllele, GeneTable

_SPACES = re.compile(r"\s+")
# Words labs use for the allele without a defining variant.
_REFERENCE_WORDS = {"reference", "ref", "wild-type", "wildtype", "wt", "normal", "*1"}


def _key(text: str) -> str:
    return _SPACES.sub("", text).lower()


def find_allele(table: GeneTable, text: str) -> CpicAllele | None:
    """The CPIC allele named ``text`` (its name or an alias: HGVS, star name, rsID)."""
    key = _key(_strip_gene(table.gene, text))
    if key in _REFERENCE_WORDS and table.gene == "DPYD":
        key = _key(table.reference_allele)
    for allele in table.alleles:
        if key == _key(allele.name):
            return allele
    for allele in table.alleles:
        if any(key == _key(alias) for alias in allele.aliases):
            return allele
    return None


def _strip_gene(gene: str, text: str) -> str:
    stripped = text.strip()
    if stripped.upper().startswith(gene):
        stripped = stripped[len(gene) :].strip()
    return stripped


def split_diplotype(gene: str, text: str) -> tuple[str, str] | None:
    """The two strand texts of a diplotype, or None when it is not ``A/B``."""
    body = _strip_gene(gene, text)
    depth, cut = 0, -1
    for index, char in enumerate(body):
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "/" and depth == 0:
            if cut >= 0:
                return None
            cut = index
    if cut <= 0 or cut == len(body) - 1:
        return None
    return body[:cut].strip(), body[cut + 1 :].strip()


def strand_alleles(table: GeneTable, strand: str) -> list[CpicAllele] | None:
    """The alleles on one strand: one name, or ``[a + b]`` (DPYD variants in cis)."""
    text = _strip_gene(table.gene, strand).strip()
    whole = find_allele(table, text.strip("[]"))
    if whole is not None:
        return [whole]
    if table.lookup != "activity_score" or " + " not in text:
        return None
    # " + " with spaces: HGVS names such as c.1905+1G>A hold a bare "+"
    parts = [find_allele(table, part) for part in text.strip("[]").split(" + ")]
    return [p for p in parts if p is not None] if all(parts) else None


def parse(
    table: GeneTable, text: str, *, source: str, locator: str, field: str = "diplotype"
) -> tuple[list[CpicAllele], list[CpicAllele]]:
    """Both strands of a diplotype; a located ``InputError`` for anything not in the table.

    Examples
    --------
    >>> from oncoboard.pharmacogenomics.tables import cpic
    >>> first, second = parse(cpic().genes["DPYD"], "*1/*2A", source="s", locator="l")
    >>> first[0].name, second[0].name
    ('Reference', 'c.1905+1G>A (*2A)')
    """
    strands = split_diplotype(table.gene, text)
    if strands is None:
        raise _refused(
            source, locator, field, text, f"a {table.gene} diplotype written allele/allele"
        )
    parsed = [strand_alleles(table, strand) for strand in strands]
    unknown = [s for s, p in zip(strands, parsed, strict=True) if p is None]
    if unknown:
        known = ", ".join(a.name for a in table.alleles[:6])
        raise _refused(
            source,
            locator,
            field,
            text,
            f"{table.gene} alleles of the CPIC table (e.g. {known}; "
            f"{len(table.alleles)} in all): {', '.join(unknown)} is not one",
        )
    first, second = parsed
    assert first is not None and second is not None
    return first, second


def _refused(source: str, locator: str, field: str, value: str, expected: str) -> InputError:
    problem = Problem(source, locator, field, value, expected)
    return InputError(f"{source}: {locator}: {field} {value!r}: expected {expected}", [problem])
