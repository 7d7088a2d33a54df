# SPDX-License-Identifier: Apache-2.0
"""Germline VCF → pharmacogene results at the CPIC-defined GRCh38 sites (DPYD, TPMT, NUDT15,
UGT1A1). Reads plain or gzip text; gVCF reference blocks (``END=``) count as reference calls.

CYP2D6 is never called from a VCF (``engine.CYP2D6_NOTE``). The build must be GRCh38 (from the
header or ``--genome-build``): the CPIC allele definitions are GRCh38 positions.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

from oncoboard.errors import InputError
from oncoboard.ingest.schemas import ImportOptions, ParsedFact, ProblemLog, SourceFile
from oncoboard.pharmacogenomics.genotyper import SiteCall, call_gene
from oncoboard.pharmacogenomics.schemas import GeneTable, VcfSite
from oncoboard.pharmacogenomics.tables import cpic

_BUILD_WORDS = {"GRCh38": ("grch38", "hg38", "b38"), "GRCh37": ("grch37", "hg19", "b37")}
_REF_BLOCK_ALTS = {".", "<NON_REF>", "<*>"}


def _open(path: Path) -> IO[str]:
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    if compressed:
        return cast(IO[str], gzip.open(path, "rt", encoding="utf-8", errors="replace"))
    return path.open("r", encoding="utf-8", errors="replace")


def _chrom(text: str) -> str:
    return text[3:] if text.lower().startswith("chr") else text


class Sites:
    """The defining sites of every gene, by (chromosome, position)."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, int], tuple[GeneTable, VcfSite]] = {}
        for table in cpic().genes.values():
            for site in table.vcf_sites:
                self.by_key[(_chrom(site.chrom), site.pos)] = (table, site)

    def covered(self, chrom: str, start: int, end: int) -> list[tuple[GeneTable, VcfSite]]:
        return [v for (c, p), v in self.by_key.items() if c == chrom and start <= p <= end]


class PgxVcfReader:
    """Calls PGx alleles from one germline sample (``oncoboard pgx import germline.vcf``)."""

    name = "pgx-vcf"
    version = "1.0"
    source_format = "pgx-vcf"

    def read(
        self, source: SourceFile, options: ImportOptions, log: ProblemLog
    ) -> Iterator[ParsedFact]:
        if options.patient is None:
            raise InputError(f"{source.name}: a germline VCF names no patient: pass --patient")
        sites = Sites()
        calls: dict[str, dict[int, SiteCall]] = {g: {} for g in cpic().genes}
        with _open(source.path) as handle:
            header, sample = _header(handle, source.name, options, log)
            if sample is None:
                return
            for number, line in enumerate(handle, start=header + 1):
                _record(line, number, sample, sites, calls, log)
        for gene, table in cpic().genes.items():
            for site in table.vcf_sites:
                calls[gene].setdefault(site.pos, SiteCall(site=site, status="absent"))
            fact = call_gene(table, calls[gene], test=f"germline VCF {source.name}")
            yield ParsedFact(
                patient_key=options.patient,
                locator=f"{gene} sites",
                fact=fact,
                raw=None,
            )
        log.notes.append(
            "germline VCF: CPIC-defined GRCh38 sites of DPYD, TPMT, NUDT15 and UGT1A1 read; "
            "sites absent from the file are 'not called' (never assumed reference); CYP2D6 is "
            "not called from a VCF (structural variants need BAM data or a lab assay)"
        )


def _header(
    handle: IO[str], display: str, options: ImportOptions, log: ProblemLog
) -> tuple[int, int | None]:
    """Read the header: the build must be GRCh38; returns (lines read, sample column)."""
    builds: set[str] = set()
    number = 0
    for number, line in enumerate(handle, start=1):
        if line.startswith("##"):
            lowered = line.lower()
            if lowered.startswith(("##reference", "##contig", "##assembly")):
                builds |= {
                    b for b, words in _BUILD_WORDS.items() if any(w in lowered for w in words)
                }
            continue
        if line.startswith("#CHROM"):
            return number, _sample(line, number, display, builds, options, log)
        break
    raise InputError(f"{display}: no #CHROM header line (not a VCF)")


def _sample(
    line: str, number: int, display: str, builds: set[str], options: ImportOptions, log: ProblemLog
) -> int | None:
    declared = sorted(builds)
    build: str | None = options.genome_build or (declared[0] if len(declared) == 1 else None)
    if options.genome_build and builds and options.genome_build not in builds:
        log.add(
            f"line {number}",
            "genome build",
            f"--genome-build {options.genome_build}",
            f"the header's build ({', '.join(sorted(builds))})",
        )
        return None
    if build is None:
        log.add(
            "header",
            "genome build",
            ", ".join(sorted(builds)) or "not declared",
            "GRCh38, declared in the header or with --genome-build",
        )
        return None
    if build != "GRCh38":
        log.add(
            "header",
            "genome build",
            build,
            "GRCh38: the CPIC allele definitions are GRCh38 positions (lift over the file or "
            "import the lab's diplotype calls instead)",
        )
        return None
    columns = line.rstrip("\n").split("\t")
    samples = columns[9:]
    if not samples:
        log.add(f"line {number}", "samples", "none", "one germline sample column with GT")
        return None
    if options.tumor_sample:
        if options.tumor_sample not in samples:
            log.add(
                f"line {number}", "sample", options.tumor_sample, f"one of {', '.join(samples)}"
            )
            return None
        return 9 + samples.index(options.tumor_sample)
    if len(samples) > 1:
        log.add(
            f"line {number}",
            "samples",
            ", ".join(samples),
            "one sample, or choose it with --tumor-sample NAME",
        )
        return None
    return 9


def _record(
    line: str,
    number: int,
    column: int,
    sites: Sites,
    calls: dict[str, dict[int, SiteCall]],
    log: ProblemLog,
) -> None:
    if not line.strip():
        return
    fields = line.rstrip("\n").split("\t")
    locator = f"line {number}"
    if len(fields) <= column or not fields[1].isdigit():
        log.add(
            locator,
            "columns",
            fields[0][:20],
            f"a VCF record with {column + 1} tab-separated columns",
        )
        return
    chrom, pos = _chrom(fields[0]), int(fields[1])
    hits = sites.covered(chrom, pos, _end(fields[7], pos))
    for table, site in hits:
        call = _site_call(fields, column, site, locator, log)
        if call is not None:
            calls[table.gene][site.pos] = call


def _end(info: str, pos: int) -> int:
    for item in info.split(";"):
        if item.startswith("END=") and item[4:].isdigit():
            return int(item[4:])
    return pos


def _site_call(
    fields: list[str], column: int, site: VcfSite, locator: str, log: ProblemLog
) -> SiteCall | None:
    ref, alts = fields[3], fields[4].split(",")
    block = int(fields[1]) != site.pos
    keys = fields[8].split(":")
    values = fields[column].split(":")
    if "GT" not in keys:
        log.add(locator, "FORMAT", fields[8], "a GT field")
        return None
    genotype = values[keys.index("GT")] if keys.index("GT") < len(values) else "."
    if block and not set(alts) <= _REF_BLOCK_ALTS:
        return None  # a variant record that only overlaps the site (e.g. a deletion): not a call
    if not block and ref.upper() != site.ref.upper():
        log.add(
            locator,
            "REF",
            ref,
            f"{site.ref} at {site.chrom}:{site.pos} (GRCh38): wrong build or "
            "a different representation",
        )
        return None
    if fields[6] not in ("PASS", "."):
        return SiteCall(
            site=site,
            status="filtered",
            genotype=genotype,
            locator=f"{locator} (FILTER {fields[6]})",
        )
    phased = "|" in genotype
    indices = genotype.replace("|", "/").split("/")
    if any(i in (".", "") for i in indices):
        return SiteCall(site=site, status="no-call", genotype=genotype, locator=locator)
    sequences = [site.ref if block else ref, *([] if block else alts)]
    try:
        alleles = tuple(sequences[int(i)] for i in indices)
    except (ValueError, IndexError):
        log.add(locator, "GT", genotype, f"allele indexes 0..{len(sequences) - 1}")
        return None
    if block and any(a != site.ref for a in alleles):
        return SiteCall(site=site, status="no-call", genotype=genotype, locator=locator)
    if len(alleles) == 1:
        alleles = (alleles[0], alleles[0]) if site.chrom not in ("chrX", "chrY") else alleles
    return SiteCall(
        site=site,
        status="called",
        alleles=alleles,
        phased=phased,
        genotype=genotype,
        locator=locator,
    )
