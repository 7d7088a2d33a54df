# SPDX-License-Identifier: Apache-2.0
"""Gene alteration (mutation, amplification, fusion, wild-type) and biomarker status constraints
against one patient."""

from __future__ import annotations

from oncoboard.errors import InputError
from oncoboard.record.genomics import ProteinChange
from oncoboard.record.labels import describe
from oncoboard.record.schemas import Biomarker, RecordedFact, SomaticVariant
from oncoboard.trials.schemas import (
    BiomarkerStatusConstraint,
    ConstraintResult,
    GeneAlterationConstraint,
)
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r

_MARKER_NAMES = {
    "MSI": ("msi", "microsatellite"),
    "MMR": ("mmr", "mismatch repair"),
    "TMB": ("tmb", "tumor mutational burden", "tumour mutational burden"),
    "ER": ("er", "estrogen receptor", "oestrogen receptor"),
    "PR": ("pr", "pgr", "progesterone receptor"),
    "HER2": ("her2", "erbb2"),
}
# TMB-high: FDA pembrolizumab tumour-agnostic approval (2020), ≥ 10 mutations/Mb.
_TMB_HIGH = 10.0


def gene_alteration(c: GeneAlterationConstraint, view: PatientView) -> ConstraintResult:
    """Found when a reported alteration fits; "not found" only where the record shows the gene
    was examined (a panel listing it, a pertinent negative, or a reported variant in it)."""
    tested = view.tested(c.gene)
    if c.alteration == "amplification":
        hits = [
            f
            for f, cna in view.facts.cna_facts()
            if cna.gene == c.gene and cna.change == "amplification"
        ]
        return _genomic(c, view, hits, f"{c.gene} amplification", tested)
    if c.alteration == "fusion":
        hits = [f for f, fu in view.facts.fusion_facts() if c.gene in (fu.gene_5p, fu.gene_3p)]
        return _genomic(c, view, hits, f"{c.gene} fusion", tested)
    variants = [(f, v) for f, v in view.facts.gene_variant_facts(c.gene) if v.origin != "germline"]
    if c.alteration == "wild_type":
        return _wild_type(c, view, variants, tested)
    hits = [f for f, v in variants if _protein_fits(v.hgvs_p, c)]
    if c.alteration == "any":
        hits += [f for f, cna in view.facts.cna_facts() if cna.gene == c.gene]
        hits += [f for f, fu in view.facts.fusion_facts() if c.gene in (fu.gene_5p, fu.gene_3p)]
    return _genomic(c, view, hits, _label(c), tested)


def _wild_type(
    c: GeneAlterationConstraint,
    view: PatientView,
    variants: list[tuple[RecordedFact, SomaticVariant]],
    tested: tuple[str, tuple[RecordedFact, ...]] | None,
) -> ConstraintResult:
    if variants:
        return _r(
            False,
            f"{c.gene} variant recorded: not wild-type",
            *(f for f, _ in variants),
            flags=("wild_type",),
            kind=c.type,
        )
    if tested is None:
        why = (
            "no sequencing results recorded"
            if not view.has_genomics
            else (f"no {c.gene} variant reported, but nothing shows {c.gene} was tested")
        )
        return _r(None, why, missing=f"{c.gene} testing (panel coverage)", flags=("wild_type",),
                  kind=c.type)  # fmt: skip
    return _r(
        True,
        f"no {c.gene} variant: {tested[0]}",
        *tested[1],
        flags=("wild_type",),
        kind=c.type,
    )


def _protein_fits(hgvs_p: str | None, c: GeneAlterationConstraint) -> bool:
    try:
        short = ProteinChange.parse(hgvs_p).short if hgvs_p else None
    except (InputError, ValueError):
        short = None
    if short in c.excluded_changes:
        return False
    return not c.protein_changes or short in c.protein_changes


def _label(c: GeneAlterationConstraint) -> str:
    if c.alteration == "any":
        return f"{c.gene} alteration"
    if c.protein_changes:
        return f"{c.gene} {' or '.join(c.protein_changes)}"
    if c.excluded_changes:
        return f"{c.gene} mutation other than {', '.join(c.excluded_changes)}"
    return f"{c.gene} mutation"


def _genomic(
    c: GeneAlterationConstraint,
    view: PatientView,
    hits: list[RecordedFact],
    what: str,
    tested: tuple[str, tuple[RecordedFact, ...]] | None,
) -> ConstraintResult:
    flags = ("negated",) if c.excluded_changes else ()
    if hits:
        return _r(
            True,
            f"{what}: found ({', '.join(describe(h.fact) for h in hits)})",
            *hits,
            flags=flags,
            kind=c.type,
        )
    if tested is None:
        why = (
            "no sequencing results recorded"
            if not view.has_genomics
            else (f"not reported, and nothing shows {c.gene} was tested")
        )
        if c.known_only:
            return _r(False, f"{what}: none known ({why})", flags=flags, kind=c.type)
        return _r(None, f"{what}: {why}", missing=f"{c.gene} testing (panel coverage)",
                  flags=flags, kind=c.type)  # fmt: skip
    return _r(
        False,
        f"{what}: not found ({tested[0]})",
        *tested[1],
        flags=(*flags, "decisive"),
        kind=c.type,
    )


def biomarker_status(c: BiomarkerStatusConstraint, view: PatientView) -> ConstraintResult:
    names = _MARKER_NAMES[c.marker]
    for fact, marker in view.facts.biomarker_facts():
        if marker.name.strip().lower() in names or marker.name.strip().lower().startswith(
            names[-1]
        ):
            return _marker(c, marker, fact)
    return _r(None, f"no {c.marker} result recorded", missing=f"{c.marker} status", kind=c.type)


def _marker(
    c: BiomarkerStatusConstraint, marker: Biomarker, fact: RecordedFact
) -> ConstraintResult:
    text = (marker.value_text or "").strip().lower()
    if c.marker == "TMB" and marker.value_number is not None:
        high = marker.value_number >= (c.threshold or _TMB_HIGH)
        return _r(
            high,
            f"TMB {marker.value_number:g} vs ≥ {c.threshold or _TMB_HIGH:g}/Mb",
            fact,
            kind=c.type,
        )
    words = {
        "high": ("high", "msi-h", "h"), "stable": ("stable", "mss"), "deficient": ("deficient", "dmmr"),
        "proficient": ("proficient", "pmmr"), "positive": ("positive", "pos", "+"), "negative": ("negative", "neg", "-", "0", "1+"),
    }  # fmt: skip
    opposite = {
        "high": "stable",
        "stable": "high",
        "deficient": "proficient",
        "proficient": "deficient",
        "positive": "negative",
        "negative": "positive",
    }
    if text in words[c.status]:
        return _r(True, f"{marker.name} {marker.value_text}", fact, kind=c.type)
    if text in words[opposite[c.status]]:
        return _r(
            False, f"{marker.name} {marker.value_text} (trial: {c.status})", fact, kind=c.type
        )
    return _r(
        None,
        f"{marker.name} result {marker.value_text!r} not interpretable",
        fact,
        missing=f"{c.marker} status",
        kind=c.type,
    )
