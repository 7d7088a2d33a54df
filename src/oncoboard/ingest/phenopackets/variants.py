# SPDX-License-Identifier: Apache-2.0
"""Genomic interpretations → SomaticVariant / CopyNumberChange, only where the file says enough."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from google.protobuf import json_format
from phenopackets.schema.v2 import GenomicInterpretation

from oncoboard.errors import InputError
from oncoboard.ingest.phenopackets.terms import Message, has, scope
from oncoboard.ingest.schemas import ImportOptions, ParsedFact, ProblemLog
from oncoboard.record.genomics import GenomeBuild, ProteinChange, parse_genome_build
from oncoboard.record.schemas import AnyFact, CopyNumberChange, CopyNumberKind, SomaticVariant

# "(p.Arg320Ter)" or "p.(His236IlefsTer28)" inside a descriptor label; the closing parenthesis is
# taken only when the change itself opened one.
_LABEL_P = re.compile(r"p\.(\()?[A-Za-z*]{1,3}\d+[A-Za-z0-9_*=]*(?(1)\))")
# RefSeq accessions of chrX / chrY: the normal copy number there depends on karyotype.
_SEX_CHROMOSOMES = ("NC_000023", "NC_000024")


def interpretation_facts(
    packet: Message,
    where: str,
    patient: str,
    options: ImportOptions,
    log: ProblemLog,
) -> Iterator[ParsedFact]:
    """One fact per usable genomic interpretation; the others are counted into a note."""
    biosamples = {b.id for b in packet.biosamples}
    skipped: Counter[str] = Counter()
    for i, interpretation in enumerate(packet.interpretations):
        for j, call in enumerate(interpretation.diagnosis.genomic_interpretations):
            locator = f"{where}interpretations[{i}].diagnosis.genomicInterpretations[{j}]"
            status = GenomicInterpretation.InterpretationStatus.Name(call.interpretation_status)
            if status == "REJECTED":
                skipped["rejected by the curator"] += 1
                continue
            if call.WhichOneof("call") != "variant_interpretation":
                skipped["gene-level only"] += 1
                continue
            descriptor = call.variant_interpretation.variation_descriptor
            sample = (
                call.subject_or_biosample_id if call.subject_or_biosample_id in biosamples else None
            )
            fact = _descriptor_fact(descriptor, locator, sample, options, log, skipped)
            if fact is not None:
                raw = json_format.MessageToJson(call, indent=None)
                yield ParsedFact(patient, locator, fact, raw)
    for reason, count in sorted(skipped.items()):
        log.notes.append(f"{scope(where)}: {count} genomic interpretation(s) skipped: {reason}")


def _descriptor_fact(
    descriptor: Message,
    locator: str,
    sample: str | None,
    options: ImportOptions,
    log: ProblemLog,
    skipped: Counter[str],
) -> AnyFact | None:
    variation = (
        descriptor.variation.WhichOneof("variation") if has(descriptor, "variation") else None
    )
    gene = descriptor.gene_context.symbol.strip() or None
    if gene is None:
        skipped["no gene symbol"] += 1
        return None
    if variation == "copy_number":
        return _copy_number(descriptor, gene, locator, sample, options, log, skipped)
    vcf = descriptor.vcf_record if has(descriptor, "vcf_record") else None
    allele = descriptor.variation.allele if variation == "allele" else None
    hgvs_c = _expression(descriptor, "c")
    if vcf is None and allele is None and hgvs_c is None:
        skipped["no HGVS, VRS allele or VCF record"] += 1
        return None
    build = _build(vcf.genome_assembly if vcf is not None else "", locator, options, log)
    if build is None:
        return None
    raw_p = _expression(descriptor, "p") or _label_protein(descriptor.label)
    chrom, pos, ref, alt = _coordinates(vcf, allele)
    return SomaticVariant(
        genome_build=build,
        chrom=chrom,
        pos=pos,
        ref=ref,
        alt=alt,
        gene=gene,
        hgvs_c=hgvs_c,
        hgvs_p=_protein(raw_p),
        hgvs_p_raw=raw_p,
        transcript=_expression(descriptor, "transcript_reference"),
        transcript_policy="as given in the phenopacket",
        # a Phenopacket does not say whether a variant is somatic or germline
        origin="unknown",
        sample_id=sample,
    )


def _coordinates(
    vcf: Message | None, allele: Message | None
) -> tuple[str | None, int | None, str | None, str | None]:
    """VCF record when present; else the VRS allele (interbase start + 1 = 1-based position)."""
    if vcf is not None:
        return vcf.chrom or None, int(vcf.pos) or None, vcf.ref or None, vcf.alt or None
    if allele is None or allele.WhichOneof("location") != "sequence_location":
        return None, None, None, None
    location = allele.sequence_location
    start = location.sequence_interval.start_number.value
    alt = allele.literal_sequence_expression.sequence or None
    return location.sequence_id.removeprefix("refseq:") or None, int(start) + 1, None, alt


def _copy_number(
    descriptor: Message,
    gene: str,
    locator: str,
    sample: str | None,
    options: ImportOptions,
    log: ProblemLog,
    skipped: Counter[str],
) -> CopyNumberChange | None:
    """Absolute copies on an autosome against a diploid baseline; ranges and chrX/Y are skipped."""
    copies = descriptor.variation.copy_number
    if copies.WhichOneof("copies") != "number":
        skipped["copy number given as a range"] += 1
        return None
    sequence = copies.derived_sequence_expression.location.sequence_id
    if any(chrom in sequence for chrom in _SEX_CHROMOSOMES):
        skipped["copy number on chrX/chrY (baseline depends on karyotype)"] += 1
        return None
    number = int(copies.number.value)
    change: CopyNumberKind | None = (
        "deep_deletion" if number == 0 else "shallow_deletion" if number == 1 else None
    )
    if number > 2:
        change = "gain"
    if change is None:
        skipped["copy number 2 (no change)"] += 1
        return None
    vcf = descriptor.vcf_record if has(descriptor, "vcf_record") else None
    build = _build(vcf.genome_assembly if vcf is not None else "", locator, options, log)
    if build is None:
        return None
    return CopyNumberChange(
        genome_build=build, gene=gene, change=change, copy_number=float(number), sample_id=sample
    )


def _build(
    declared: str, locator: str, options: ImportOptions, log: ProblemLog
) -> GenomeBuild | None:
    if not declared:
        if options.genome_build is None:
            log.add(
                locator,
                "vcfRecord.genomeAssembly",
                "",
                "a genome assembly in the file, or pass --genome-build GRCh37|GRCh38 (never assumed)",
            )
        return options.genome_build
    try:
        build = parse_genome_build(declared)
    except InputError:
        log.add(locator, "vcfRecord.genomeAssembly", declared, "GRCh37/hg19 or GRCh38/hg38")
        return None
    if options.genome_build is not None and options.genome_build != build:
        log.add(
            locator,
            "vcfRecord.genomeAssembly",
            declared,
            f"the --genome-build given ({options.genome_build}); the file says {build}",
        )
        return None
    return build


def _expression(descriptor: Message, kind: str) -> str | None:
    """An expression by syntax (``hgvs.c``), also plain ``hgvs`` holding a ``:c.`` change."""
    for expression in descriptor.expressions:
        syntax, value = expression.syntax.lower(), expression.value.strip()
        if (
            syntax == kind
            or syntax == f"hgvs.{kind}"
            or (syntax == "hgvs" and f":{kind}." in value)
        ):
            return str(value) or None
    return None


def _label_protein(label: str) -> str | None:
    match = _LABEL_P.search(label or "")
    return match.group(0) if match else None


def _protein(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return ProteinChange.parse(raw).short
    except InputError:
        return None
