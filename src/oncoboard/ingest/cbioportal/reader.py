# SPDX-License-Identifier: Apache-2.0
"""Read a cBioPortal study folder: meta files name the data files; each data type has its reader."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from oncoboard.errors import InputError
from oncoboard.ingest.cbioportal.clinical import read_patients, read_samples
from oncoboard.ingest.cbioportal.genomic import (
    read_cna_long,
    read_cna_wide,
    read_mutations,
    read_structural_variants,
)
from oncoboard.ingest.cbioportal.study import MetaFile, Study, Table, open_table, read_meta
from oncoboard.ingest.schemas import ImportOptions, ParsedFact, ProblemLog, SourceFile
from oncoboard.record.genomics import GenomeBuild, parse_genome_build

# meta kinds (GENETIC_ALTERATION_TYPE/DATATYPE) this reader imports; every other kind is noted
PATIENTS = "CLINICAL/PATIENT_ATTRIBUTES"
SAMPLES = "CLINICAL/SAMPLE_ATTRIBUTES"
CANCER_TYPE = "CANCER_TYPE/CANCER_TYPE"
MUTATIONS = "MUTATION_EXTENDED/MAF"
CNA_LONG = "COPY_NUMBER_ALTERATION/DISCRETE_LONG"
CNA_WIDE = "COPY_NUMBER_ALTERATION/DISCRETE"
SV = "STRUCTURAL_VARIANT/SV"
_GENOMIC = frozenset({MUTATIONS, CNA_LONG, CNA_WIDE, SV})
_HANDLED = frozenset({PATIENTS, SAMPLES, CANCER_TYPE}) | _GENOMIC


class CbioportalReader:
    """Reads a study folder; patients from the clinical files, genomic facts keyed by sample."""

    name = "cbioportal"
    version = "1.0"
    source_format = "cbioportal"

    def read(
        self, source: SourceFile, options: ImportOptions, log: ProblemLog
    ) -> Iterator[ParsedFact]:
        folder = source.path
        if not (folder / "meta_study.txt").is_file():
            raise InputError(f"{source.name}: not a cBioPortal study folder (no meta_study.txt)")
        study_meta = read_meta(folder / "meta_study.txt", log)
        tables = _data_tables(folder, log)
        study = Study(
            folder=folder,
            study_id=study_meta.get("cancer_study_identifier") or folder.name,
            cancer_type=study_meta.get("type_of_cancer"),
            cancer_type_line=study_meta.locator("type_of_cancer"),
        )
        study.build = _study_build(study_meta, options, log, needed=bool(_GENOMIC & set(tables)))
        for table in tables[CANCER_TYPE]:
            study.cancer_names.update(_cancer_names(table.path))
        for table in tables[PATIENTS]:
            yield from read_patients(table, study, log)
        if not tables[SAMPLES]:
            log.add("meta_study.txt", "meta_clinical_samples.txt", "absent", "a sample file")
        for table in tables[SAMPLES]:
            yield from read_samples(table, study, log)
        if not study.samples_ok:
            log.notes.append("genomic files not read: the study has no usable sample file")
            return
        yield from _genomic(tables, study, options, log)


def _genomic(
    tables: dict[str, list[Table]], study: Study, options: ImportOptions, log: ProblemLog
) -> Iterator[ParsedFact]:
    for table in tables[MUTATIONS]:
        yield from read_mutations(table, study, options, log)
    for table in tables[CNA_LONG]:
        yield from read_cna_long(table, study, log)
    for table in tables[CNA_WIDE]:
        yield from read_cna_wide(table, study, log)
    for table in tables[SV]:
        yield from read_structural_variants(table, study, log)


def _data_tables(folder: Path, log: ProblemLog) -> dict[str, list[Table]]:
    """Every data file the metas name, opened when its kind is imported; the rest get a note."""
    tables: dict[str, list[Table]] = defaultdict(list)
    for path in sorted(folder.glob("meta_*.txt")):
        if path.name == "meta_study.txt":
            continue
        meta = read_meta(path, log)
        data = _data_path(folder, meta, log)
        if meta.kind not in _HANDLED:
            log.notes.append(
                f"skipped {meta.name} ({meta.kind.strip('/')}, {meta.get('data_filename')}): "
                "this data type is not imported"
            )
            continue
        if data is None:
            continue
        try:
            tables[meta.kind].append(open_table(data))
        except InputError as error:
            log.problems.extend(error.problems)
    return tables


def _data_path(folder: Path, meta: MetaFile, log: ProblemLog) -> Path | None:
    name = meta.get("data_filename")
    if name is None:
        if meta.kind in _HANDLED:
            log.add(meta.name, "data_filename", "", "the name of the data file")
        return None
    path = folder / name
    if not path.resolve().is_relative_to(folder.resolve()) or not path.is_file():
        log.add(meta.locator("data_filename"), "data_filename", name, "a file in the study folder")
        return None
    return path


def _study_build(
    meta: MetaFile, options: ImportOptions, log: ProblemLog, *, needed: bool
) -> GenomeBuild | None:
    """meta_study ``reference_genome`` (cBioPortal: hg19/hg38), else ``--genome-build``; never assumed."""
    declared = meta.get("reference_genome")
    if declared is None:
        if options.genome_build is None and needed:
            log.add(
                meta.name,
                "reference_genome",
                "",
                "reference_genome: hg19|hg38 in meta_study.txt, or --genome-build (never assumed)",
            )
        return options.genome_build
    locator = meta.locator("reference_genome")
    try:
        build = parse_genome_build(declared)
    except InputError:
        log.add(locator, "reference_genome", declared, "hg19/GRCh37 or hg38/GRCh38")
        return None
    if options.genome_build is not None and options.genome_build != build:
        expected = f"the --genome-build given ({options.genome_build}); meta_study says {build}"
        log.add(locator, "reference_genome", declared, expected)
        return None
    return build


def _cancer_names(path: Path) -> dict[str, str]:
    """data_cancer_type.txt has no header: type_of_cancer, name, colour, parent."""
    names: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            cells = line.rstrip("\r\n").split("\t")
            if len(cells) >= 2 and cells[0].strip() and not line.startswith("#"):
                names[cells[0].strip()] = cells[1].strip()
    return names
