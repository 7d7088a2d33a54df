# SPDX-License-Identifier: Apache-2.0
"""Helpers for the trial tests: real CT.gov records, a patient record built from facts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine

from oncoboard.ingest.models import ImportRow
from oncoboard.ingest.schemas import ParsedFact
from oncoboard.ingest.writer import FactWriter
from oncoboard.record.schemas import AnyFact, PatientRecord, Provenance, RecordedFact
from oncoboard.store.db import unit_of_work
from oncoboard.trials.constraints import structure
from oncoboard.trials.registry import read_studies
from oncoboard.trials.schemas import Criterion, CriterionResult, TrialRecord
from tests.support import shared_file

SEARCH_PAGE = ("ctgov", "v2_studies_search_kras_PancrePal.json")
PALLAS = ("ctgov", "NCT02513394.json")


def real_trials() -> dict[str, TrialRecord]:
    out = {}
    for parts in (SEARCH_PAGE, PALLAS):
        path = shared_file(*parts)
        out.update({t.nct_id: t for t in read_studies(path.read_bytes(), path.name)})
    return out


def criteria_of(nct_id: str) -> dict[str, Criterion]:
    return {c.id: c for c in structure(real_trials()[nct_id].eligibility)}


def record(patient_id: str, *facts: AnyFact) -> PatientRecord:
    """A PatientRecord as the record service returns it, each fact with a provenance."""
    provenance = Provenance(
        source_name="test.json", source_sha256="0" * 64, locator="entry", importer="test",
        importer_version="1", import_id="imp", imported_at=datetime.now(UTC),
    )  # fmt: skip
    recorded = [
        RecordedFact(fact_id=n, fact=fact, provenance=provenance.model_copy(update={"locator": f"entry {n}"}))
        for n, fact in enumerate(facts, start=1)
    ]  # fmt: skip
    sections: dict[str, list[RecordedFact]] = {}
    names = {"demographics": "demographics", "condition": "conditions", "variant": "variants",
             "copy_number": "copy_numbers", "fusion": "fusions", "biomarker": "biomarkers",
             "performance_status": "performance_status", "treatment": "treatments",
             "specimen": "specimens", "lab": "labs", "finding": "findings",
             "gene_testing": "gene_tests"}  # fmt: skip
    for fact in recorded:
        sections.setdefault(names[fact.fact.kind], []).append(fact)
    return PatientRecord(
        patient_id=patient_id, variant_total=len(sections.get("variants", [])), timeline=[],
        genome_builds=[], **{name: sections.get(name, []) for name in names.values()},
    )  # fmt: skip


def write_facts(engine: Engine, patient: str, *facts: AnyFact) -> None:
    """Facts through the importers' writer, one import (as an importer would write them)."""
    with unit_of_work(engine) as session:
        import_id = str(uuid.uuid4())
        session.add(ImportRow(id=import_id, source_name=f"{patient}.json",
                              source_sha256=import_id.replace("-", "").ljust(64, "0"),
                              source_format="fhir", importer="test", importer_version="1"))  # fmt: skip
        session.flush()
        writer = FactWriter(
            session=session, import_id=import_id, batch_size=10, patient_override=None
        )
        for n, fact in enumerate(facts):
            writer.add(ParsedFact(patient_key=patient, locator=f"entry {n}", fact=fact))
        writer.flush()


def copy_to(tmp_path: Path, parts: tuple[str, str]) -> Path:
    target = tmp_path / parts[1]
    target.write_bytes(shared_file(*parts).read_bytes())
    return target


def one_item(text: str, section: str = "exclusion") -> Criterion:
    """One eligibility item written alone into a synthetic trial, as ``structure`` reads it."""
    from oncoboard.trials.schemas import Eligibility

    eligibility = Eligibility(
        criteria_text=f"{section.title()} Criteria:\n\n* {text}", sex="ALL",
        minimum_age_years=18.0, maximum_age_years=None, minimum_age_text="18 Years",
        maximum_age_text=None, healthy_volunteers=False,
    )  # fmt: skip
    first = "I1" if section == "inclusion" else "E1"
    return next(c for c in structure(eligibility) if c.id == first)


def item_result(
    text: str, today: date, *facts: AnyFact, section: str = "exclusion"
) -> CriterionResult:
    """The verdict on one item written alone into a synthetic trial, for a patient holding
    ``facts`` (demographics included)."""
    from oncoboard.trials.engine import Screening, TrialCriteria, match_trial

    criterion = one_item(text, section)
    trial = TrialCriteria("NCT00000000", "v", "synthetic", (criterion,))
    match = match_trial(trial, Screening.of(record("PT-1", *facts), today))
    return next(c for c in match.criteria if c.criterion_id == criterion.id)


def exclusion_result(text: str, today: date, *facts: AnyFact) -> CriterionResult:
    """The verdict on one exclusion item written alone (``item_result``)."""
    return item_result(text, today, *facts)
