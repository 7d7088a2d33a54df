# SPDX-License-Identifier: Apache-2.0
"""MAF reader (TCGA/GDC, vcf2maf and cBioPortal flavours), column names matched case-insensitively."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from oncoboard.errors import InputError, Problem
from oncoboard.ingest.schemas import ImportOptions, ParsedFact, ProblemLog, SourceFile
from oncoboard.record.genomics import GenomeBuild, ProteinChange, parse_genome_build
from oncoboard.record.schemas import SomaticVariant

REQUIRED = (
    "Hugo_Symbol",
    "Chromosome",
    "Start_Position",
    "Reference_Allele",
    "Tumor_Seq_Allele2",
    "Tumor_Sample_Barcode",
)
_ALLELE = re.compile(r"^(?:[ACGTNacgtn]+|-)$")
_TCGA_PATIENT = re.compile(r"^(TCGA-[A-Z0-9]{2}-[A-Z0-9]{4})")
_MISSING = {"", ".", "NA", "[Not Available]", "[Not Applicable]", "nan"}


def maf_patient_key(sample: str) -> str:
    """TCGA barcodes name the patient in their first three parts; other samples are their own key."""
    match = _TCGA_PATIENT.match(sample)
    return match.group(1) if match else sample


def _header_line(path: Path) -> int:
    """1-based line number of the column header (after ``#version`` and other comments)."""
    import gzip

    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    opener = gzip.open if compressed else open
    with opener(path, "rt", encoding="utf-8", errors="strict") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip() and not line.startswith("#"):
                return number
    raise InputError(f"{path.name}: no MAF header line (expected a Hugo_Symbol column header)")


class MafReader:
    """Reads one MAF; patient = TCGA participant or tumour sample barcode unless ``--patient``."""

    name = "maf"
    version = "1.0"
    source_format = "maf"

    def read(
        self, source: SourceFile, options: ImportOptions, log: ProblemLog
    ) -> Iterator[ParsedFact]:
        yield from read_maf_rows(source.path, source.name, options, log, sample_to_patient=None)


def read_maf_rows(
    path: Path,
    display: str,
    options: ImportOptions,
    log: ProblemLog,
    sample_to_patient: dict[str, str] | None,
    default_build: GenomeBuild | None = None,
) -> Iterator[ParsedFact]:
    """Stream variants from a MAF; shared with the cBioPortal study reader."""
    try:
        header = _header_line(path)
        reader = pd.read_csv(
            path,
            sep="\t",
            comment="#",
            dtype=str,
            keep_default_na=False,
            chunksize=5000,
            quoting=3,
            skiprows=header - 1,
            header=0,
            encoding="utf-8",
        )
        with reader as chunks:
            yield from _rows(
                chunks, header + 1, display, options, log, sample_to_patient, default_build
            )
    except UnicodeDecodeError as error:
        raise InputError(
            f"{display}: not UTF-8 text ({error.reason} at byte {error.start})",
            [
                Problem(
                    display,
                    f"byte {error.start}",
                    "encoding",
                    repr(error.object[error.start : error.start + 4]),
                    "UTF-8",
                )
            ],
        ) from error
    except pd.errors.ParserError as error:
        raise InputError(f"{display}: malformed tab-separated table: {error}") from error


def _rows(
    chunks: Iterable[pd.DataFrame],
    offset: int,
    display: str,
    options: ImportOptions,
    log: ProblemLog,
    sample_to_patient: dict[str, str] | None,
    default_build: GenomeBuild | None,
) -> Iterator[ParsedFact]:
    first = True
    for chunk in chunks:
        chunk.columns = [str(c).strip().lower() for c in chunk.columns]
        # cBioPortal MAFs repeat columns that differ only in case (type_wu / type_WU); keep the first
        chunk = chunk.loc[:, ~chunk.columns.duplicated()]
        if first:
            _check_columns(display, list(chunk.columns))
            first = False
        for index, row in enumerate(chunk.to_dict("records")):
            parsed = _variant(
                {str(k): v for k, v in row.items()},
                f"line {offset + index}",
                display,
                options,
                log,
                sample_to_patient,
                default_build,
            )
            if parsed is not None:
                yield parsed
        offset += len(chunk)


def _check_columns(display: str, columns: list[str]) -> None:
    missing = [c for c in REQUIRED if c.lower() not in columns]
    if missing:
        raise InputError(
            f"{display}: missing required MAF column(s): {', '.join(missing)}",
            [
                Problem(display, "header", name, "absent", "a MAF column (case-insensitive)")
                for name in missing
            ],
        )


def _get(row: dict[str, str], *names: str) -> str | None:
    for name in names:
        value = row.get(name)
        if value is not None and value.strip() not in _MISSING:
            return value.strip()
    return None


def _variant(
    row: dict[str, str],
    locator: str,
    display: str,
    options: ImportOptions,
    log: ProblemLog,
    sample_to_patient: dict[str, str] | None,
    default_build: GenomeBuild | None,
) -> ParsedFact | None:
    problems_before = len(log.problems)
    build = _build(row, locator, options, log, default_build)
    sample = _get(row, "tumor_sample_barcode")
    if sample is None:
        log.add(locator, "Tumor_Sample_Barcode", "", "a sample barcode")
    position = _int(row, "start_position", locator, log, "Start_Position")
    ref = _get(row, "reference_allele") or ""
    alt = _get(row, "tumor_seq_allele2") or ""
    for field, value in (("Reference_Allele", ref), ("Tumor_Seq_Allele2", alt)):
        if not _ALLELE.match(value):
            log.add(locator, field, value, "A/C/G/T/N bases or '-'")
    depth = _int(row, "t_depth", locator, log, "t_depth", required=False)
    alt_count = _int(row, "t_alt_count", locator, log, "t_alt_count", required=False)
    ref_count = _int(row, "t_ref_count", locator, log, "t_ref_count", required=False)
    if depth is None and alt_count is not None and ref_count is not None:
        depth = alt_count + ref_count
    if len(log.problems) > problems_before or build is None or sample is None or position is None:
        return None
    vaf = alt_count / depth if alt_count is not None and depth else _reported_vaf(row)
    if vaf is not None and vaf > 1:
        log.add(locator, "t_alt_count", alt_count, f"at most t_depth ({depth})")
        return None
    raw_p = _get(row, "hgvsp_short", "hgvsp", "protein_change", "amino_acid_change")
    patient = (sample_to_patient or {}).get(sample) or maf_patient_key(sample)
    status = (_get(row, "mutation_status") or "").lower()
    fact = SomaticVariant(
        genome_build=build,
        chrom=_get(row, "chromosome"),
        pos=position,
        ref=ref,
        alt=alt,
        gene=_get(row, "hugo_symbol"),
        hgvs_c=_get(row, "hgvsc"),
        hgvs_p=_protein(raw_p),
        hgvs_p_raw=raw_p,
        consequence=_get(row, "consequence", "variant_classification"),
        transcript=_get(row, "transcript_id", "refseq", "i_transcript_name"),
        exon=_exon(_get(row, "exon_number")),
        transcript_policy="as given in MAF",
        vaf=vaf,
        depth=depth,
        alt_depth=alt_count,
        filters=_get(row, "filter"),
        origin="germline" if status == "germline" else "somatic",
        sample_id=sample,
    )
    raw = "\t".join(str(v) for v in row.values())
    return ParsedFact(
        patient_key=patient,
        locator=f"{display}:{locator}" if sample_to_patient is not None else locator,
        fact=fact,
        raw=raw,
    )


def _exon(text: str | None) -> int | None:
    """vcf2maf writes the exon as VEP does, ``19/28``; keep the number when it is one exon."""
    head = (text or "").split("/")[0]
    return int(head) if head.isdigit() and int(head) > 0 else None


def _reported_vaf(row: dict[str, str]) -> float | None:
    """VAF as a caller reported it when read counts are absent (``tumor_f``; WashU percent)."""
    for key, scale in (("tumor_f", 1.0), ("i_tumorvaf_wu", 100.0)):
        value = _get(row, key)
        if value is None:
            continue
        try:
            fraction = float(value) / scale
        except ValueError:
            return None
        return fraction if 0 <= fraction <= 1 else None
    return None


def _protein(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return ProteinChange.parse(raw).short
    except InputError:
        return None


def _build(
    row: dict[str, str],
    locator: str,
    options: ImportOptions,
    log: ProblemLog,
    default_build: GenomeBuild | None,
) -> GenomeBuild | None:
    declared = _get(row, "ncbi_build")
    if declared is None:
        build = options.genome_build or default_build
        if build is None and not any(p.field == "NCBI_Build" for p in log.problems):
            log.add(
                locator,
                "NCBI_Build",
                "",
                "a genome build in the file, or pass --genome-build GRCh37|GRCh38 (never assumed)",
            )
        return build
    try:
        build = parse_genome_build(declared)
    except InputError:
        log.add(locator, "NCBI_Build", declared, "GRCh37/37/hg19 or GRCh38/38/hg38")
        return None
    if options.genome_build and options.genome_build != build:
        log.add(
            locator,
            "NCBI_Build",
            declared,
            f"the --genome-build given ({options.genome_build}); the file says {build}",
        )
        return None
    return build


def _int(
    row: dict[str, str],
    key: str,
    locator: str,
    log: ProblemLog,
    field: str,
    *,
    required: bool = True,
) -> int | None:
    value = _get(row, key)
    if value is None:
        if required:
            log.add(locator, field, "", "an integer")
        return None
    try:
        number = int(float(value)) if value.endswith(".0") else int(value)
    except ValueError:
        log.add(locator, field, value, "an integer")
        return None
    if number < 0:
        log.add(locator, field, value, "a non-negative integer")
        return None
    return number
