# SPDX-License-Identifier: Apache-2.0
"""Genomic data files of a study: mutations (MAF), discrete copy number, structural variants."""

from __future__ import annotations

from collections.abc import Iterator

from oncoboard.errors import InputError
from oncoboard.ingest.cbioportal.study import Study, Table, is_missing
from oncoboard.ingest.maf import read_maf_rows
from oncoboard.ingest.schemas import ImportOptions, ParsedFact, ProblemLog
from oncoboard.record.genomics import GenomeBuild, parse_genome_build
from oncoboard.record.schemas import CopyNumberChange, CopyNumberKind, Fusion

# GISTIC discrete calls (meta_cna_discrete profile_description): -2 homozygous deletion,
# -1 hemizygous deletion, 0 neutral, 1 gain, 2 high-level amplification. cBioPortal's validator
# also accepts -1.5 (CNADiscreteValidator.ALLOWED_VALUES) without stating its depth: a plain loss.
_CNA: dict[float, CopyNumberKind | None] = {
    -2.0: "deep_deletion",
    -1.5: "loss",
    -1.0: "shallow_deletion",
    0.0: None,
    1.0: "gain",
    2.0: "amplification",
}
_NOT_SAMPLES = frozenset({"hugo_symbol", "entrez_gene_id", "cytoband", "composite.element.ref"})


def read_mutations(
    table: Table, study: Study, options: ImportOptions, log: ProblemLog
) -> Iterator[ParsedFact]:
    """The MAF reader's rows, kept only for samples the study defines and on the study's build."""
    rows = read_maf_rows(
        table.path,
        table.name,
        options,
        log,
        sample_to_patient=study.sample_to_patient,
        default_build=study.build,
    )
    for parsed in rows:
        sample = getattr(parsed.fact, "sample_id", None) or ""
        if study.patient_of(sample, parsed.locator, "Tumor_Sample_Barcode", log) is None:
            continue
        build = getattr(parsed.fact, "genome_build", None)
        if study.build is not None and build != study.build:
            log.add(
                parsed.locator, "NCBI_Build", build, f"the study's reference_genome ({study.build})"
            )
            continue
        yield parsed


def _cna_kind(value: str, locator: str, log: ProblemLog) -> CopyNumberKind | None:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if number not in _CNA:
        log.add(locator, "Value", value, "a discrete copy-number call -2, -1.5, -1, 0, 1, 2 or NA")
        return None
    return _CNA[number]


def _cna_fact(
    gene: str | None, sample: str, value: str, locator: str, study: Study, log: ProblemLog
) -> ParsedFact | None:
    if is_missing(value):
        return None
    kind = _cna_kind(value.strip(), locator, log)
    patient = study.patient_of(sample, locator, "Sample_Id", log)
    if kind is None or patient is None or gene is None or study.build is None:
        return None
    fact = CopyNumberChange(genome_build=study.build, gene=gene, change=kind, sample_id=sample)
    return ParsedFact(patient, locator, fact, f"{gene}\t{sample}\t{value}")


def read_cna_long(table: Table, study: Study, log: ProblemLog) -> Iterator[ParsedFact]:
    """``DISCRETE_LONG``: one gene × sample call per row."""
    if not table.require(("Sample_Id", "Value"), log):
        return
    gene_at, sample_at, value_at = (
        table.index("Hugo_Symbol"),
        table.at("Sample_Id"),
        table.at("Value"),
    )
    unnamed = 0
    for locator, cells in table.rows():
        gene = cells[gene_at].strip() if gene_at is not None else ""
        if is_missing(gene):
            unnamed += 1
        fact = _cna_fact(
            None if is_missing(gene) else gene, cells[sample_at].strip(), cells[value_at],
            locator, study, log,
        )  # fmt: skip
        if fact is not None:
            yield fact
    _note_unnamed(table, unnamed, log)


def read_cna_wide(table: Table, study: Study, log: ProblemLog) -> Iterator[ParsedFact]:
    """``DISCRETE``: the gene × sample matrix datahub studies use; locators name the sample column."""
    gene_at = table.index("Hugo_Symbol")
    if gene_at is None and not table.require(("Entrez_Gene_Id",), log):
        return
    samples = [(i, name) for i, name in enumerate(table.header) if name.lower() not in _NOT_SAMPLES]
    unnamed = 0
    for locator, cells in table.rows():
        gene = cells[gene_at].strip() if gene_at is not None else ""
        if is_missing(gene):
            unnamed += 1
        for position, sample in samples:
            fact = _cna_fact(
                None if is_missing(gene) else gene, sample, cells[position],
                f"{locator} ({sample})", study, log,
            )  # fmt: skip
            if fact is not None:
                yield fact
    _note_unnamed(table, unnamed, log)


def _note_unnamed(table: Table, count: int, log: ProblemLog) -> None:
    if count:
        log.notes.append(
            f"{table.name}: {count} row(s) with only an Entrez id skipped (no Hugo_Symbol; "
            "gene ids are not mapped offline)"
        )


def _sv_build(value: str | None, study: Study, locator: str, log: ProblemLog) -> GenomeBuild | None:
    if value is None:
        return study.build
    try:
        build = parse_genome_build(value)
    except InputError:
        log.add(locator, "NCBI_Build", value, "GRCh37/hg19 or GRCh38/hg38")
        return None
    if study.build is not None and build != study.build:
        log.add(locator, "NCBI_Build", value, f"the study's reference_genome ({study.build})")
        return None
    return build


def read_structural_variants(table: Table, study: Study, log: ProblemLog) -> Iterator[ParsedFact]:
    """Structural variants (Site1 = 5' partner, Site2 = 3' partner) → Fusion facts."""
    if not table.require(("Sample_Id",), log):
        return
    germline = 0

    def cell(cells: list[str], column: str) -> str | None:
        position = table.index(column)
        value = cells[position].strip() if position is not None else ""
        return None if is_missing(value) else value

    for locator, cells in table.rows():
        sample = cell(cells, "Sample_Id") or ""
        patient = study.patient_of(sample, locator, "Sample_Id", log)
        build = _sv_build(cell(cells, "NCBI_Build"), study, locator, log)
        if (cell(cells, "SV_Status") or "").upper() == "GERMLINE":
            germline += 1
            continue
        five, three = cell(cells, "Site1_Hugo_Symbol"), cell(cells, "Site2_Hugo_Symbol")
        if patient is None or build is None or not (five or three):
            continue
        fact = Fusion(
            genome_build=build,
            gene_5p=five,
            gene_3p=three,
            description=cell(cells, "Annotation") or cell(cells, "Event_Info"),
            sample_id=sample,
        )
        yield ParsedFact(patient, locator, fact, "\t".join(cells))
    if germline:
        log.notes.append(f"{table.name}: {germline} germline structural variant(s) skipped")
