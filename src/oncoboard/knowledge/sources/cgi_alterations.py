# SPDX-License-Identifier: Apache-2.0
"""CGI biomarker notation → rules: ``Alteration``, ``individual_mutation`` and ``gDNA``.

Notation (CGI biomarkers README, paraphrased in ``../shared/data/kb/cgi/SOURCE.md``, and the
values of the 2017 file): ``GENE:alt,alt`` (alternatives), ``;`` joins the parts of a
multi-gene biomarker (Biomarker column: "MET amplification + ERBB2 amplification"), ``.`` is
"any oncogenic mutation", ``amp``/``del`` copy number, ``over``/``under``/``norm`` expression,
``A__B`` a fusion (``A__.``: any partner), ``GENE::wildtype:.`` wild type. CGI does not write
fusion partners 5' first (``ABL1__BCR`` is BCR::ABL1), so fusions are unordered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oncoboard.knowledge.rules import (
    AnyRule,
    CompositeRule,
    CopyNumberRule,
    ExpressionRule,
    FusionRule,
    GeneAnyRule,
    GenomicRule,
    WildTypeRule,
)
from oncoboard.knowledge.sources.civic_variants import (
    RowError,
    check_gene,
    protein_rule,
    unsupported,
)
from oncoboard.record.genomics import GenomeBuild

# RefSeq chromosome accessions carry the build in their version: GRCh37 NC_000001.10 ...
# NC_000024.9, GRCh38 one version higher for every chromosome (NCBI assembly reports
# GCF_000001405.13 and GCF_000001405.26).
_GRCH37_VERSIONS = (
    10,
    11,
    11,
    11,
    9,
    11,
    13,
    10,
    11,
    10,
    9,
    11,
    10,
    8,
    9,
    9,
    10,
    9,
    9,
    10,
    8,
    10,
    10,
    9,
)
_GDNA = re.compile(
    r"^(?:chr(?P<chrom>[0-9]{1,2}|X|Y)|NC_0000(?P<acc>[0-9]{2})\.(?P<version>[0-9]+))"
    r":g\.(?P<start>[0-9]+)(?:_(?P<end>[0-9]+))?"
    r"(?:(?P<ref>[A-Za-z]+)>(?P<alt>[A-Za-z]+)|del(?P<deleted>[A-Za-z]+)ins(?P<inserted>[A-Za-z]+))$"
)
_ACGT = re.compile(r"^[ACGT]+$")
_EXPRESSION = {"over": "overexpression", "under": "underexpression", "norm": "normal expression"}


@dataclass(frozen=True)
class Genomic:
    """One parsed gDNA value; ``claimed_build`` is set only when the value names its build."""

    chrom: str
    pos: int
    ref: str
    alt: str
    claimed_build: GenomeBuild | None


def parse_gdna(text: str) -> Genomic:
    """``chr7:g.140453136A>T`` or ``NC_000007.13:g.140453136A>T`` (substitution or delins)."""
    found = _GDNA.match(text.strip())
    if not found:
        raise RowError("gDNA", f"{text!r} is not a genomic HGVS substitution or delins")
    chrom, claimed = found["chrom"], None
    if found["acc"]:
        chrom, claimed = _accession(found["acc"], int(found["version"]), text)
    ref = found["ref"] or found["deleted"]
    alt = found["alt"] or found["inserted"]
    for allele in (ref, alt):
        if not _ACGT.match(allele):
            raise RowError("gDNA", f"allele {allele!r} outside ACGT-")
    start = int(found["start"])
    end = int(found["end"]) if found["end"] else start
    if end - start + 1 != len(ref) or len(ref) != len(alt):
        raise RowError("gDNA", f"{text!r}: alleles do not span positions {start}-{end}")
    return Genomic(chrom=chrom, pos=start, ref=ref, alt=alt, claimed_build=claimed)


def _accession(number: str, version: int, text: str) -> tuple[str, GenomeBuild]:
    index = int(number)
    if not 1 <= index <= 24:
        raise RowError("gDNA", f"{text!r}: not a chromosome accession")
    chrom = {23: "X", 24: "Y"}.get(index, str(index))
    grch37 = _GRCH37_VERSIONS[index - 1]
    if version == grch37:
        return chrom, "GRCh37"
    if version == grch37 + 1:
        return chrom, "GRCh38"
    raise RowError("gDNA", f"{text!r}: accession version of neither GRCh37 nor GRCh38")


def individual_rule(mutation: str, gdna: Genomic | None, build: GenomeBuild) -> AnyRule:
    """One observed variant of the biomarker (``ABL1:T315I`` with its hg19 gDNA).

    The biomarker is the protein change; the gDNA is one nucleotide change that gives it (CGI
    lists other candidate codons in ``info``). Both are kept, joined by OR, so a patient on
    another build still matches at protein level while the exact genomic match stays build-aware.
    """
    gene_text, _, change = mutation.partition(":")
    gene = check_gene(gene_text.strip(), "individual_mutation")
    protein = protein_rule(gene, change, "any")
    if gdna is None:
        return protein or unsupported(mutation, "individual mutation is not a protein change")
    genomic = GenomicRule(
        genome_build=build,
        chrom=gdna.chrom,
        pos=gdna.pos,
        ref=gdna.ref,
        alt=gdna.alt,
        gene=gene,
        origin="any",
    )
    return genomic if protein is None else CompositeRule(operator="or", rules=(genomic, protein))


def alteration_rule(alteration: str, kinds: str) -> AnyRule:
    """The ``Alteration`` column with its ``Alteration type`` (``MET:amp;BRAF:V600E``/``CNA;MUT``)."""
    parts, types = alteration.split(";"), kinds.split(";")
    if len(parts) != len(types):
        return unsupported(
            alteration, f"{len(parts)} alteration parts but {len(types)} alteration types"
        )
    rules = [_part(part.strip(), kind.strip()) for part, kind in zip(parts, types, strict=True)]
    return rules[0] if len(rules) == 1 else CompositeRule(operator="and", rules=tuple(rules))


def _part(part: str, kind: str) -> AnyRule:
    if "__" in part:
        first, _, second = part.partition("__")
        partner = None if second == "." else check_gene(second, "Alteration")
        return FusionRule(gene_5p=check_gene(first, "Alteration"), gene_3p=partner, ordered=False)
    if "::" in part:
        gene_text, _, rest = part.partition("::")
        gene = check_gene(gene_text, "Alteration")
        if rest == "wildtype:.":
            return WildTypeRule(gene=gene)
        return unsupported(
            part, "CGI consequence-in-region biomarker (e.g. inframe insertion in residues 729-761)"
        )
    if ":" not in part:
        return unsupported(part, "alteration part without a gene")
    gene_text, _, alternatives = part.partition(":")
    gene = check_gene(gene_text, "Alteration")
    rules = [_alternative(gene, alt.strip(), kind, part) for alt in alternatives.split(",")]
    return rules[0] if len(rules) == 1 else CompositeRule(operator="or", rules=tuple(rules))


def _alternative(gene: str, alt: str, kind: str, part: str) -> AnyRule:
    if kind == "BIA":
        return unsupported(part, "biallelic inactivation (two hits) is not evaluated")
    if alt == "." and kind == "MUT":
        # "any oncogenic mutation": gene level, low specificity, off unless the user opts in
        return GeneAnyRule(gene=gene, origin="any")
    if alt in ("amp", "del") and kind == "CNA":
        return CopyNumberRule(gene=gene, direction="amplification" if alt == "amp" else "deletion")
    if alt in _EXPRESSION and kind == "EXPR":
        return ExpressionRule(marker=gene, result=_EXPRESSION[alt])
    if kind == "MUT" and re.match(r"^[0-9]+-[0-9]+$", alt):
        return unsupported(f"{gene}:{alt}", "protein residue range (any mutation in residues)")
    rule = protein_rule(gene, alt.removesuffix("."), "any") if kind == "MUT" else None
    return rule or unsupported(f"{gene}:{alt}", f"CGI {kind} alteration {alt!r} not recognised")
