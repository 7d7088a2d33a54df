# SPDX-License-Identifier: Apache-2.0
"""MOAlmanac feature rows → biomarker rules (``knowledge/rules.py``), one rule per row.

Field meanings: ``../shared/data/kb/moalmanac/SOURCE.md`` ("Fields that depend on the feature
type"). Decisions taken by reading the rows of the 2025-12-26 legacy file:

- A protein change is the primary key of a variant row, as MOAlmanac's own matcher uses it
  ("Putatively Actionable" needs the protein change); ``p.G12`` (residue only) is codon level.
- Coordinates are used only when a row has no protein change (e.g. ATM c.2251-10T>G). They are
  GRCh37: BRAF p.V600E is given at 7:140453136 A>T and EGFR p.L858R at 7:55259515 T>G, the
  GRCh37 positions (GRCh38: 7:140753336 and 7:55191822).
- No protein change: "Nonsense"/"Frameshift"/"Splice Site" means any variant of that class
  (loss of function, class kept); "Missense" means any missense (gene level, class kept);
  an exon with "Deletion"/"Insertion" is exon level; MET exon 14 rows whose description says
  "skipping" are exon 14 skipping; an exon and nothing else is any mutation in that exon; no
  detail at all is any mutation of the gene (low specificity), except germline rows flagged
  ``pathogenic`` = 1, which mean a pathogenic (inactivating) germline variant.
- Rearrangements with both genes name them 5' then 3' (BCR/ABL1, TMPRSS2/ERG, EML4/ALK); a
  single gene (ALK, RET, ROS1, "IGH t(11;14)") may sit on either side, so order is not required.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from oncoboard.errors import InputError
from oncoboard.knowledge.qc import ALLELE, HGNC_SYMBOL
from oncoboard.knowledge.rules import (
    AnyRule,
    CodonRule,
    CopyNumberRule,
    ExonRule,
    FusionRule,
    GeneAnyRule,
    GenomicRule,
    LossOfFunctionRule,
    MsiRule,
    Origin,
    ProteinRule,
    TmbRule,
    UnsupportedRule,
    VariantClass,
)
from oncoboard.record.genomics import ProteinChange

Row = Mapping[str, Any]
MOALMANAC_BUILD = "GRCh37"
# TMB-high without a threshold in the row (NCCN NSCLC rows 794, 795): 10 mutations/Mb, the
# cut-off of CheckMate 227 on which that recommendation rests (Hellmann MD et al., N Engl J Med
# 2018;378:2093-2104) and of the FDA tissue-agnostic pembrolizumab approval (KEYNOTE-158,
# Marabelle A et al., Lancet Oncol 2020;21:1353-1365).
DEFAULT_TMB_PER_MB = 10.0

_CODON = re.compile(r"^p\.([ACDEFGHIKLMNPQRSTVWY])([0-9]+)$")
_LOF_CLASSES: dict[str, VariantClass] = {
    "Nonsense": "nonsense",
    "Frameshift": "frameshift",
    "Splice Site": "splice_site",
}
_GENE_CLASSES: dict[str, VariantClass] = {
    "Missense": "missense",
    "Activating mutation": "activating",
}
_EXON_CHANGES = {"Deletion": "deletion", "Insertion": "insertion"}


class RowProblem(Exception):
    """A defect that refuses the release: a missing field, a value outside its vocabulary."""

    def __init__(self, field: str, value: object, expected: str) -> None:
        super().__init__(f"{field}: expected {expected}, got {value!r}")
        self.field, self.value, self.expected = field, "" if value is None else str(value), expected


class RowDrop(Exception):
    """A row the release does not publish, for a stated reason (listed in the import report)."""


def text(row: Row, key: str) -> str:
    value = row.get(key)
    if value is None:
        raise RowProblem(key, "(missing)", "the field to be present")
    return str(value).strip()


def gene_symbol(row: Row, key: str, *, required: bool = True) -> str | None:
    value = text(row, key)
    if not value:
        if required:
            raise RowProblem(key, value, "a gene symbol")
        return None
    if not HGNC_SYMBOL.match(value):
        raise RowDrop(
            f"{key} {value!r} is not an HGNC symbol (upper case, e.g. {value.upper()!r}); "
            "not corrected by guessing"
        )
    return value


def rule_for(row: Row) -> AnyRule:
    """The one rule a MOAlmanac row states; ``UnsupportedRule`` with a reason if none fits."""
    feature = text(row, "feature_type")
    handler = _HANDLERS.get(feature)
    if handler is None:
        raise RowProblem("feature_type", feature, "one of " + ", ".join(_HANDLERS))
    return handler(row)


def _variant(row: Row) -> AnyRule:
    origin: Origin = "germline" if row["feature_type"] == "Germline Variant" else "somatic"
    gene = gene_symbol(row, "gene")
    assert gene is not None
    _check_alleles(row)
    protein = text(row, "protein_change")
    if protein:
        return _protein_rule(gene, protein, origin)
    genomic = _genomic_rule(row, gene, origin)
    if genomic is not None:
        return genomic
    return _class_rule(row, gene, origin)


def _protein_rule(gene: str, protein: str, origin: Origin) -> AnyRule:
    codon = _CODON.match(protein)
    if codon:
        return CodonRule(gene=gene, ref=codon[1], position=int(codon[2]), origin=origin)
    try:
        change = ProteinChange.parse(protein)
    except InputError:
        return UnsupportedRule(
            description=f"{gene} {protein}", reason="protein change is not HGVS p. notation"
        )
    return ProteinRule(gene=gene, protein_change=change.short, origin=origin)


def _check_alleles(row: Row) -> None:
    for key in ("reference_allele", "alternate_allele"):
        value = text(row, key)
        if value and not ALLELE.match(value):
            raise RowProblem(key, value, "bases A, C, G, T or '-'")


def _genomic_rule(row: Row, gene: str, origin: Origin) -> GenomicRule | None:
    chrom, start = text(row, "chromosome"), text(row, "start_position")
    ref, alt = text(row, "reference_allele"), text(row, "alternate_allele")
    if not (chrom and start and ref and alt):
        return None
    if not start.isdigit():
        raise RowProblem("start_position", start, "a 1-based position")
    return GenomicRule(
        genome_build=MOALMANAC_BUILD,
        chrom=chrom,
        pos=int(start),
        ref=ref,
        alt=alt,
        gene=gene,
        origin=origin,
    )


def _class_rule(row: Row, gene: str, origin: Origin) -> AnyRule:
    """Rows without a protein change or coordinates: exon, class or gene level."""
    annotation, exon = text(row, "variant_annotation"), _exon(row)
    describes_skipping = "skipping" in text(row, "description").lower()
    if exon is not None and describes_skipping and annotation in ("Splice Site", "Deletion", ""):
        return ExonRule(gene=gene, exon=exon, change="skipping", origin=origin)
    if exon is not None and annotation in _EXON_CHANGES:
        change = "deletion" if annotation == "Deletion" else "insertion"
        return ExonRule(gene=gene, exon=exon, change=change, origin=origin)
    if annotation in _LOF_CLASSES:
        return LossOfFunctionRule(gene=gene, origin=origin, variant_class=_LOF_CLASSES[annotation])
    if exon is not None and not annotation:
        return ExonRule(gene=gene, exon=exon, change="mutation", origin=origin)
    if annotation in _GENE_CLASSES:
        return GeneAnyRule(gene=gene, origin=origin, variant_class=_GENE_CLASSES[annotation])
    if annotation:
        return UnsupportedRule(
            description=f"{gene} {annotation}", reason="variant class without a protein change"
        )
    if origin == "germline" and row.get("pathogenic") in (1, "1"):
        return LossOfFunctionRule(gene=gene, origin="germline")
    return GeneAnyRule(gene=gene, origin=origin)


def _exon(row: Row) -> int | None:
    value = text(row, "exon")
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise RowProblem("exon", value, "an exon number")
    return int(value)


def _copy_number(row: Row) -> AnyRule:
    gene = gene_symbol(row, "gene")
    assert gene is not None
    direction = text(row, "direction")
    if direction == "Amplification":
        return CopyNumberRule(gene=gene, direction="amplification")
    if direction == "Deletion":
        return CopyNumberRule(gene=gene, direction="deletion")
    raise RowProblem("direction", direction, "Amplification or Deletion")


def _rearrangement(row: Row) -> AnyRule:
    first = gene_symbol(row, "gene1")
    second = gene_symbol(row, "gene2", required=False)
    return FusionRule(gene_5p=first, gene_3p=second, ordered=second is not None)


def _msi(row: Row) -> AnyRule:
    status = text(row, "status")
    if status == "MSI-High":
        return MsiRule()
    return UnsupportedRule(description=f"microsatellite status {status}", reason="not MSI-High")


def _tmb(row: Row) -> AnyRule:
    per_mb, count = text(row, "mutations_per_mb"), text(row, "minimum_mutations")
    if per_mb:
        try:
            return TmbRule(at_least=float(per_mb))
        except ValueError as error:
            raise RowProblem("mutations_per_mb", per_mb, "a positive number") from error
    if count:
        return UnsupportedRule(
            description=f"tumour mutational burden >= {count} nonsynonymous mutations",
            reason="threshold is an absolute count per exome, not mutations per megabase; "
            "converting it needs the study's covered territory",
        )
    return TmbRule(at_least=DEFAULT_TMB_PER_MB)


def _unsupported(what: str, reason: str) -> Callable[[Row], AnyRule]:
    def handler(row: Row) -> AnyRule:
        detail = " ".join(
            text(row, key)
            for key in ("gene", "cosmic_signature", "technique", "event")
            if key in row
        )
        return UnsupportedRule(description=f"{what}: {detail}".strip(": "), reason=reason)

    return handler


_HANDLERS: dict[str, Callable[[Row], AnyRule]] = {
    "Somatic Variant": _variant,
    "Germline Variant": _variant,
    "Copy Number": _copy_number,
    "Rearrangement": _rearrangement,
    "Microsatellite Stability": _msi,
    "Mutational Burden": _tmb,
    "Mutational Signature": _unsupported(
        "mutational signature", "signature contributions are not part of the patient record yet"
    ),
    "Knockdown": _unsupported(
        "gene knockdown",
        "a knockdown (shRNA/siRNA/CRISPR) is an experimental perturbation, not a tumour finding",
    ),
    "Aneuploidy": _unsupported(
        "aneuploidy", "whole-genome doubling is not part of the patient record yet"
    ),
}
