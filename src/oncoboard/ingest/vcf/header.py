# SPDX-License-Identifier: Apache-2.0
"""Everything decided once per file: annotation format, genome build, tumour sample, VAF fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from oncoboard.errors import InputError, Problem
from oncoboard.ingest.schemas import ImportOptions, ProblemLog
from oncoboard.ingest.vcf.annotation import ANNOTATION_KEYS, AnnotationFormat
from oncoboard.ingest.vcf.depth import Extractor, extractors_for
from oncoboard.ingest.vcf.scan import HeaderScan
from oncoboard.record.genomics import GenomeBuild, parse_genome_build

_VEP_ASSEMBLY = re.compile(r'\bassembly="?([^"\s]+)')
_VEP_CACHE = re.compile(r'\bcache="?([^"\s]+)')
# SnpEff's genome argument, e.g. GRCh37.75 or hg19 (not test genomes such as testHg3775Chr1).
_SNPEFF_GENOME = re.compile(r"^(?:GRCh3[78]|hg19|hg38)(?:\.p?\d+)*$", re.IGNORECASE)
_TUMOUR_WORD = re.compile(r"tumou?r", re.IGNORECASE)
_TUMOUR_SUFFIX = re.compile(r"(?:^|[-_.])T(?:$|[-_.\d])")
_NO_BUILD = (
    "a genome build declared in the header (##reference, ##contig assembly=, ##VEP assembly=, "
    "SnpEff genome) or pass --genome-build GRCh37|GRCh38 (never assumed)"
)


@dataclass(frozen=True)
class FileSetup:
    """What every record of one file shares."""

    annotation: AnnotationFormat
    build: GenomeBuild
    sample_index: int | None
    sample_name: str | None
    patient_key: str
    extractors: tuple[Extractor, ...]
    sample_count: int


def prepare(
    vcf: Any, scan: HeaderScan, options: ImportOptions, display: str, log: ProblemLog
) -> FileSetup | None:
    """Read the header once; log every header problem and return None if there are any."""
    annotation = annotation_format(vcf, display)
    before = len(log.problems)
    build = genome_build(scan, options, log)
    samples = list(vcf.samples)
    index = tumour_index(samples, scan, options, log)
    name = samples[index] if index is not None else None
    patient = options.patient or name
    if patient is None and len(log.problems) == before:
        log.add(
            "header", "patient", "", "--patient ID (this VCF has no sample columns to name one)"
        )
    if len(log.problems) > before or build is None or patient is None:
        return None
    return FileSetup(
        annotation=annotation,
        build=build,
        sample_index=index,
        sample_name=name,
        patient_key=patient,
        extractors=extractors_for(declared_fields(vcf)),
        sample_count=len(samples),
    )


def annotation_format(vcf: Any, display: str) -> AnnotationFormat:
    """The first of CSQ, ANN, EFF the header declares; a VCF without any is refused."""
    for key in ANNOTATION_KEYS:
        try:
            description = vcf.get_header_type(key)["Description"]
        except KeyError:
            continue
        try:
            return AnnotationFormat.from_description(key, description)
        except InputError as error:
            raise InputError(
                f"{display}: {error}",
                [Problem(display, "header", f"INFO/{key}", description[:80], "'Format: A|B|…'")],
            ) from error
    raise InputError(
        f"{display}: an annotated VCF (VEP CSQ or SnpEff ANN) is required; "
        "this file has no INFO/CSQ, INFO/ANN or INFO/EFF header",
        [
            Problem(
                display,
                "header",
                "INFO/CSQ",
                "absent",
                "an annotated VCF (VEP CSQ or SnpEff ANN): annotate it with VEP or SnpEff first",
            )
        ],
    )


def declared_fields(vcf: Any) -> list[str]:
    """``INFO/X`` and ``FORMAT/X`` for every field the header defines."""
    fields = []
    for record in vcf.header_iter():
        kind = record.type
        if kind in ("INFO", "FORMAT"):
            fields.append(f"{kind}/{record['ID']}")
    return fields


def declared_builds(scan: HeaderScan) -> list[tuple[str, GenomeBuild]]:
    """(header line, build) for every header line that names a build we recognise."""
    candidates: list[tuple[str, str]] = [
        ("##reference", line.split("=", 1)[1]) for line in scan.meta.get("##reference=", [])
    ]
    if scan.contig_assembly:
        candidates.append(("##contig assembly", scan.contig_assembly))
    for line in scan.meta.get("##VEP", []):
        match = _VEP_ASSEMBLY.search(line) or _VEP_CACHE.search(line)
        if match:
            candidates.append(("##VEP", match.group(1)))
    for line in scan.meta.get("##SnpEffCmd", []):
        candidates.extend(
            ("##SnpEffCmd genome", token)
            for token in line.split("=", 1)[-1].strip('"').split()
            if _SNPEFF_GENOME.match(token)
        )
    found: list[tuple[str, GenomeBuild]] = []
    for source, text in candidates:
        try:
            found.append((source, parse_genome_build(text)))
        except InputError:
            continue  # e.g. ##reference=universal_reference.fa says nothing about the build
    return found


def genome_build(scan: HeaderScan, options: ImportOptions, log: ProblemLog) -> GenomeBuild | None:
    """The header's build, else ``--genome-build``; disagreement is a problem, never a guess."""
    found = declared_builds(scan)
    builds = {build for _, build in found}
    if len(builds) > 1:
        said = "; ".join(f"{source} says {build}" for source, build in found)
        log.add("header", "genome build", said, "one genome build throughout the header")
        return None
    if found:
        source, build = found[0]
        if options.genome_build and options.genome_build != build:
            log.add(
                "header",
                "--genome-build",
                options.genome_build,
                f"the build the file declares: {build} ({source}); "
                f"--genome-build {options.genome_build} disagrees",
            )
            return None
        return build
    if options.genome_build is None:
        log.add("header", "genome build", "not declared", _NO_BUILD)
    return options.genome_build


def tumour_index(
    samples: list[str], scan: HeaderScan, options: ImportOptions, log: ProblemLog
) -> int | None:
    """--tumor-sample, else ##tumor_sample, else SnpEff's PEDIGREE, else the name, else the only one."""
    if options.tumor_sample is not None:
        if options.tumor_sample in samples:
            return samples.index(options.tumor_sample)
        log.add(
            "header",
            "--tumor-sample",
            options.tumor_sample,
            f"one of the samples in the file: {', '.join(samples) or '(none: sites-only VCF)'}",
        )
        return None
    if not samples:
        return None
    for prefix, key in (("##tumor_sample=", "##tumor_sample="), ("##PEDIGREE", "Derived=")):
        for line in scan.meta.get(prefix, []):
            named = line.split(key, 1)[-1].split(",")[0].rstrip(">").strip()
            if named in samples:
                return samples.index(named)
    by_name = [
        i for i, s in enumerate(samples) if _TUMOUR_WORD.search(s) or _TUMOUR_SUFFIX.search(s)
    ]
    if len(by_name) == 1:
        return by_name[0]
    if len(samples) == 1:
        return 0
    log.add(
        "header",
        "tumour sample",
        ", ".join(samples),
        "--tumor-sample NAME: the header has no ##tumor_sample line and the names do not "
        f"say which is the tumour (samples: {', '.join(samples)})",
    )
    return None
