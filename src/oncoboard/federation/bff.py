# SPDX-License-Identifier: Apache-2.0
"""Import a Beacon "Beacon-Friendly Format" cohort (the GA4GH reference implementation's
``individuals.json``, ``biosamples.json`` and genomic-variation CSV) into the patient record,
all or part of it (``part 2 of 3``, to spread one cohort over several test sites).

What is read: sex, the age at sample collection, procedures (OPCS4 codes as recorded), the
biosample, and each individual's variant calls (germline, on the build the caller names: the
CSV does not record one, and none is assumed). Non-cancer ICD-10 diagnoses are not imported
(the record's conditions are cancer conditions); the import notes say how many were skipped.
All-or-nothing and idempotent like every import; every problem is reported with its location.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.errors import InputError, PermissionDenied
from oncoboard.governance import gate
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.ingest.models import ImportRow
from oncoboard.ingest.schemas import ImportReport, ParsedFact, ProblemLog, SourceFile
from oncoboard.ingest.writer import FactWriter
from oncoboard.record.genomics import GenomeBuild
from oncoboard.record.schemas import Demographics, SomaticVariant, Specimen, Treatment

IMPORTER = "beacon-bff"
VERSION = "1"
_SEX = {"female": "female", "male": "male"}


def _open(folder: Path, stem: str) -> io.TextIOBase | None:
    for name in (f"{stem}.json", f"{stem}.json.gz", f"{stem}.csv", f"{stem}.csv.gz"):
        path = folder / name
        if path.exists():
            return gzip.open(path, "rt") if name.endswith(".gz") else path.open()
    return None


def _load(folder: Path, stem: str, log: ProblemLog) -> list[dict[str, Any]]:
    handle = _open(folder, stem)
    if handle is None:
        return []
    with handle:
        try:
            data = json.load(handle)
        except ValueError as error:
            log.add(f"{stem}.json", "content", str(error)[:80], "a JSON array")
            return []
    if not isinstance(data, list):
        log.add(f"{stem}.json", "content", type(data).__name__, "a JSON array of documents")
        return []
    return data


class BffReader:
    """Facts of one part of a BFF cohort folder."""

    name = IMPORTER
    version = VERSION
    source_format = "beacon-bff"

    def __init__(self, *, genome_build: GenomeBuild, part: int = 1, parts: int = 1) -> None:
        self.genome_build = genome_build
        self.part, self.parts = part, parts
        self.skipped_diagnoses = 0

    def read(self, folder: Path, log: ProblemLog) -> Iterator[ParsedFact]:
        individuals = _load(folder, "individuals", log)
        if not individuals and not log:
            log.add(
                "individuals.json", "file", str(folder), "individuals.json(.gz) with individuals"
            )
        samples = {
            s.get("individualId"): s
            for s in _load(folder, "biosamples", log)
            if isinstance(s, dict)
        }
        mine: dict[str, str] = {}  # biosample id -> individual id, for this part
        for number, person in enumerate(individuals):
            if number % self.parts != self.part - 1:
                continue
            yield from self._individual(number, person, samples, mine, log)
        yield from self._variants(folder, mine, log)

    def _individual(
        self,
        number: int,
        person: object,
        samples: dict[Any, dict[str, Any]],
        mine: dict[str, str],
        log: ProblemLog,
    ) -> Iterator[ParsedFact]:
        where = f"individuals entry {number + 1}"
        if not isinstance(person, dict) or not isinstance(person.get("id"), str):
            log.add(where, "id", str(person)[:60], "an individual with a string id")
            return
        key = person["id"]
        raw = json.dumps(person, sort_keys=True)
        sex_label = str((person.get("sex") or {}).get("label", "")).lower()
        if sex_label and sex_label not in _SEX:
            log.add(where, "sex.label", sex_label, "female or male")
        sample = samples.get(key)
        yield ParsedFact(
            key,
            where,
            Demographics(
                sex=_SEX.get(sex_label),
                identifiers=(key,),
                age=(sample or {}).get("collectionMoment"),
            ),
            raw,
        )
        for step, item in enumerate(person.get("interventionsOrProcedures") or []):
            code = (item.get("procedureCode") or {}) if isinstance(item, dict) else {}
            if not code.get("id"):
                log.add(
                    f"{where} procedure {step + 1}", "procedureCode.id", code, "a coded procedure"
                )
                continue
            yield ParsedFact(
                key,
                f"{where} procedure {step + 1}",
                Treatment(
                    category="procedure", name=str(code.get("label") or code["id"]), code=code["id"]
                ),
                raw,
            )
        self.skipped_diagnoses += len(person.get("diseases") or [])
        if sample is not None:
            mine[sample["id"]] = key
            yield ParsedFact(
                key,
                f"biosamples {sample['id']}",
                Specimen(
                    specimen_id=sample["id"],
                    collected=sample.get("collectionDate"),
                    specimen_type=(sample.get("sampleOriginType") or {}).get("label"),
                ),
                raw,
            )
        else:
            mine[key] = key  # the RI names a sample after its individual

    def _variants(
        self, folder: Path, mine: dict[str, str], log: ProblemLog
    ) -> Iterator[ParsedFact]:
        handle = _open(folder, "genomicVariations") or _open(folder, "genomicVariations.example")
        if handle is None:
            return
        with handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                yield from self._calls(f"genomicVariations line {line}", row, mine, log)

    def _calls(
        self, where: str, row: dict[str, str], mine: dict[str, str], log: ProblemLog
    ) -> Iterator[ParsedFact]:
        samples = [s for s in (row.get("caseLevelData|biosampleId") or "").split("|") if s]
        ref, alt = row.get("variation|referenceBases", ""), row.get("variation|alternateBases", "")
        hgvs = row.get("identifiers|genomicHGVSId", "")
        try:
            start = int(row.get("variation|location|interval|start|value") or "")
        except ValueError:
            log.add(
                where,
                "variation|location|interval|start|value",
                row.get("variation|location|interval|start|value"),
                "an integer",
            )
            return
        if not samples or not ref or not alt or ":g." not in hgvs:
            log.add(
                where,
                "biosampleId/referenceBases/alternateBases/genomicHGVSId",
                hgvs or "",
                "a located call",
            )
            return
        effect = row.get("molecularAttributes|molecularEffects|label") or None
        genes = [g for g in (row.get("molecularAttributes|geneIds") or "").split("|") if g]
        protein = row.get("molecularAttributes|aminoacidChanges") or ""
        variant = SomaticVariant(
            genome_build=self.genome_build,
            chrom=hgvs.split(":", 1)[0].removeprefix("chr"),
            pos=start + 1,
            ref=ref,
            alt=alt,
            # an intergenic call names its flanking region, not a gene
            gene=genes[0] if genes and effect != "intergenic_region" else None,
            hgvs_p=protein if protein not in ("", ".") else None,
            consequence=effect,
            origin="germline",
            filters="PASS",
        )
        raw = json.dumps({k: v for k, v in row.items() if v}, sort_keys=True)
        for sample in samples:
            if sample in mine:
                yield ParsedFact(
                    mine[sample], where, variant.model_copy(update={"sample_id": sample}), raw
                )


def import_cohort(
    *,
    session: Session,
    access: Access,
    folder: Path,
    genome_build: GenomeBuild,
    part: int = 1,
    parts: int = 1,
) -> ImportReport:
    """Import one part of a BFF cohort folder in the caller's unit of work (all or nothing)."""
    if access.action != Action.EDIT_RECORD or access.purpose != Purpose.TREATMENT:
        raise PermissionDenied(f"importing needs edit_record for treatment, not {access.action}")
    if not 1 <= part <= parts:
        raise InputError(f"part {part} of {parts}: expected 1 ≤ part ≤ parts")
    source = SourceFile.from_path(folder)
    options = json.dumps({"genome_build": genome_build, "part": f"{part}/{parts}"}, sort_keys=True)
    existing = session.scalar(
        select(ImportRow).where(
            ImportRow.source_sha256 == source.sha256,
            ImportRow.importer == IMPORTER,
            ImportRow.options_key == options,
        )
    )
    if existing is not None:
        return _report(existing, "unchanged")
    row = ImportRow(
        id=str(uuid.uuid4()),
        source_name=source.name,
        source_sha256=source.sha256,
        source_format="beacon-bff",
        importer=IMPORTER,
        importer_version=VERSION,
        options_key=options,
        imported_by=access.actor.username,
        fact_counts={},
        patients=[],
        notes=[],
    )
    session.add(row)
    session.flush()
    reader = BffReader(genome_build=genome_build, part=part, parts=parts)
    log = ProblemLog(source=source.name)
    writer = FactWriter(session=session, import_id=row.id, batch_size=5000, patient_override=None)
    for parsed in reader.read(folder, log):
        if not log:
            writer.add(parsed)
    if log:
        raise InputError(
            f"{source.name}: {len(log.problems)} problem(s); nothing imported", log.problems
        )
    writer.flush()
    row.fact_counts = dict(writer.counts)
    row.patients = writer.patients
    row.notes = [
        f"{reader.skipped_diagnoses} non-cancer diagnoses (ICD-10) not imported: the record holds cancer conditions",
        f"variant calls recorded on {genome_build} as the importer was told (the CSV names no build)",
    ]
    session.flush()
    for patient in row.patients:
        gate.authorize(
            session,
            actor=access.actor,
            action=Action.EDIT_RECORD,
            purpose=Purpose.TREATMENT,
            patient_id=patient,
            obj=f"import {row.id}: {source.name} part {part}/{parts}",
        )
    return _report(row, "imported")


def _report(row: ImportRow, status: str) -> ImportReport:
    return ImportReport(
        import_id=row.id,
        source_name=row.source_name,
        source_sha256=row.source_sha256,
        source_format=row.source_format,
        importer=row.importer,
        importer_version=row.importer_version,
        status=status,
        fact_counts=row.fact_counts,
        patients=row.patients,
        notes=row.notes,
        imported_at=row.imported_at,
    )
