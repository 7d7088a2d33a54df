# SPDX-License-Identifier: Apache-2.0
"""Readers for gene alteration and biomarker status phrases in one eligibility item."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from oncoboard.record.genomics import ProteinChange
from oncoboard.trials.schemas import BiomarkerStatusConstraint, Found, GeneAlterationConstraint
from oncoboard.trials.vocabulary import GENES

_GENE = "|".join(sorted(GENES, key=len, reverse=True))

_CHANGE = r"(?:p\.)?[A-Z]\d{1,4}[A-Z]"

_PROTEIN = re.compile(
    rf"\b(?P<gene>{_GENE})\s*[- ]?\s*(?P<changes>{_CHANGE}(?:\s*(?:or|and|/|,)\s*{_CHANGE})*)\b"
)

# "G12D mutated KRAS", "G12D-mutant NRAS and HRAS": one change shared by the genes listed after it
_PROTEIN_REVERSED = re.compile(
    rf"\b(?P<changes>{_CHANGE})[\s-]+(?:mutated|mutant)\s+(?P<gene>{_GENE})\b"
    rf"(?P<more>(?:\s*(?:,|and/or|or|and)\s*(?:{_GENE})\b)*)"
)

_NON = re.compile(rf"\b(?P<gene>{_GENE})\s+non-(?P<change>{_CHANGE})\b")

_WILD = re.compile(
    rf"\b(?P<gene>{_GENE})[ -](?:wild[- ]?type|WT)\b|\bwild[- ]?type (?P<gene2>{_GENE})\b", re.I
)

_GENE_EVENT = re.compile(
    rf"\b(?P<gene>{_GENE})\s+(?:gene\s+)?(?P<event>mutations?|mutated|amplifi\w+|fusions?|"
    r"rearrangements?)\b"
)

# Gene families named in eligibility text. RAF = BRAF and CRAF (RAF1), as NCT05786924 spells
# out its "RAS or RAF" cohorts (KRAS, HRAS, NRAS, BRAF, CRAF (RAF1)); RAS = KRAS, NRAS, HRAS.
FAMILIES = {"RAS": ("KRAS", "NRAS", "HRAS"), "RAF": ("BRAF", "RAF1")}
_FAMILY_EVENT = re.compile(
    r"\b(?P<families>(?:RAS|RAF)(?:\s*(?:,|or|and|and/or|/)\s*(?:RAS|RAF))*)\s+"
    r"(?P<event>mutations?|mutated|alterations?)(?:\s*(?:or|and|and/or)\s*alterations?)?",
)

# "KRAS non-G12C, HRAS, NRAS, BRAF or CRAF (RAF1) mutations or alterations": a list of genes
# sharing one event word; CRAF is the protein name of RAF1 (HGNC symbol RAF1, alias CRAF)
_ALIASES = {"CRAF": "RAF1", "C-RAF": "RAF1", "HER2": "ERBB2"}
_NAMED = rf"(?:{_GENE}|CRAF|C-RAF)(?:\s+non-{_CHANGE})?(?:\s*\((?:{_GENE})\))?"
_GENE_LIST = re.compile(
    rf"\b(?P<genes>{_NAMED}(?:(?:\s*,\s*(?:(?:and/or|or|and)\s+)?|\s+(?:and/or|or|and)\s+)"
    rf"{_NAMED})+)\s+"
    r"(?:genes?\s+)?(?P<event>mutations?|alterations?)"
    r"(?:\s*(?:or|and|and/or)\s*(?P<second>mutations?|alterations?))?"
)
_ONE = re.compile(rf"(?P<gene>{_GENE}|CRAF|C-RAF)(?:\s+non-(?P<change>{_CHANGE}))?")

_MARKERS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"\bMSI-H\b|microsatellite instability[- ]high", re.I), "MSI", "high"),
    (re.compile(r"\bdMMR\b|mismatch repair[- ]deficien\w*", re.I), "MMR", "deficient"),
    (re.compile(r"\bpMMR\b|\bMMR[- ]proficient\b|mismatch repair[- ]proficient", re.I), "MMR", "proficient"),
    (re.compile(r"\bTMB[- ]?(?:high|H)\b", re.I), "TMB", "high"),
)  # fmt: skip

_IHC = re.compile(r"\b(?P<marker>ER|PR|HER2)\s*(?P<sign>\+|-|−|positive|negative)(?=[\s,;.)]|$)")


def _short(change: str) -> str:
    return ProteinChange.parse(change).short


def genes(text: str) -> Iterator[Found]:
    taken: list[tuple[int, int]] = []
    for pattern in (_PROTEIN, _PROTEIN_REVERSED):
        for m in pattern.finditer(text):
            changes = tuple(_short(c) for c in re.findall(_CHANGE, m["changes"]))
            taken.append((m.start(), m.end()))
            more = re.findall(_GENE, m.groupdict().get("more") or "")
            for gene in (m["gene"], *more):
                yield (
                    m.start(),
                    m.end(),
                    GeneAlterationConstraint(
                        gene=gene, alteration="mutation", protein_changes=changes
                    ),
                )
    for m in _NON.finditer(text):
        taken.append((m.start(), m.end()))
        yield (
            m.start(),
            m.end(),
            GeneAlterationConstraint(
                gene=m["gene"], alteration="mutation", excluded_changes=(_short(m["change"]),)
            ),
        )
    for m in _WILD.finditer(text):
        taken.append((m.start(), m.end()))
        gene = m["gene"] or m["gene2"]
        yield (
            m.start(),
            m.end(),
            GeneAlterationConstraint(gene=gene.upper(), alteration="wild_type"),
        )
    for m in _GENE_EVENT.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        event = m["event"].lower()
        kind = "amplification" if event.startswith("amplif") else "mutation"
        kind = "fusion" if event.startswith(("fusion", "rearrang")) else kind
        yield m.start(), m.end(), GeneAlterationConstraint(gene=m["gene"], alteration=kind)


def gene_lists(text: str) -> Iterator[Found]:
    """One any-of constraint per listed gene; "alterations" reads any alteration kind."""
    for m in _GENE_LIST.finditer(text):
        events = f"{m['event']} {m['second'] or ''}".lower()
        kind: Literal["mutation", "any"] = "any" if "alteration" in events else "mutation"
        named = re.sub(r"\([^)]*\)", "", m["genes"])
        for one in _ONE.finditer(named):
            gene = _ALIASES.get(one["gene"], one["gene"])
            excluded = (_short(one["change"]),) if one["change"] else ()
            yield (
                m.start(),
                m.end(),
                GeneAlterationConstraint(gene=gene, alteration=kind, excluded_changes=excluded),
            )


# MEK1 and MEK2 are the protein names of MAP2K1 and MAP2K2 (HGNC aliases; not verified from a
# stored source): "MEK1/2 mutation", "MEK1 or MEK2 mutations"
_MEK = re.compile(
    r"\bMEK\s*(?P<which>1\s*/\s*2|1\s*(?:/|or|and)\s*MEK\s*2|[12])\s+(?:gene\s+)?"
    r"(?P<event>mutations?|mutated|alterations?)\b"
)


def mek(text: str) -> Iterator[Found]:
    """MEK1/2 alterations as MAP2K1 / MAP2K2 (any-of)."""
    for m in _MEK.finditer(text):
        kind: Literal["mutation", "any"] = "any" if "alteration" in m["event"] else "mutation"
        which = m["which"]
        genes = ("MAP2K1", "MAP2K2") if "2" in which and "1" in which else (f"MAP2K{which}",)
        for gene in genes:
            yield m.start(), m.end(), GeneAlterationConstraint(gene=gene, alteration=kind)


_KNOWN = re.compile(
    r"\bknown\s+(?:(?:activating|sensiti[sz]ing|driver|oncogenic|pathogenic|actionable)\s+)?$",
    re.IGNORECASE,
)


def known(text: str, found: list[Found]) -> list[Found]:
    """An exclusion's "known <gene> mutation": untested means not known (``known_only``)."""
    return [
        (s, e, c.model_copy(update={"known_only": True}))
        if isinstance(c, GeneAlterationConstraint) and _KNOWN.search(text[max(0, s - 40) : s])
        else (s, e, c)
        for s, e, c in found
    ]


def families(text: str) -> Iterator[Found]:
    """ "RAS or RAF mutations or alterations": one any-of constraint per member gene."""
    for m in _FAMILY_EVENT.finditer(text):
        kind = "any" if "alteration" in m.group(0).lower() else "mutation"
        for family in re.findall(r"RAS|RAF", m["families"]):
            for gene in FAMILIES[family]:
                yield m.start(), m.end(), GeneAlterationConstraint(gene=gene, alteration=kind)


def markers(text: str) -> Iterator[Found]:
    for pattern, marker, status in _MARKERS:
        for m in pattern.finditer(text):
            yield m.start(), m.end(), BiomarkerStatusConstraint(marker=marker, status=status)
    for m in _IHC.finditer(text):
        positive = m["sign"].lower() in ("+", "positive")
        yield (
            m.start(),
            m.end(),
            BiomarkerStatusConstraint(
                marker=m["marker"],
                status="positive" if positive else "negative",
            ),
        )
