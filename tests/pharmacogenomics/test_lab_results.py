# SPDX-License-Identifier: Apache-2.0
"""Lab-reported diplotypes: CSV and FHIR genotype Observations, through the ingest service."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.errors import InputError
from oncoboard.governance.gate import Actor, authorize
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.ingest import service
from oncoboard.ingest.schemas import ImportOptions, SourceFile
from oncoboard.pharmacogenomics import service as pgx_service
from oncoboard.store.db import unit_of_work
from tests.support import import_file, row_counts, shared_file


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pgx.csv"
    path.write_text("patient_id,gene,diplotype,phenotype,activity_score,date\n" + body)
    return path


def _import(engine: Engine, path: Path, fmt: str, **options: object):  # type: ignore[no-untyped-def]
    with unit_of_work(engine) as session:
        return service.import_source(
            session=session,
            source=SourceFile.from_path(path),
            options=ImportOptions(**options),
            source_format=fmt,
        )


def test_csv_with_bad_rows_lists_every_problem_and_writes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "PT-1,DPYD,*1/*2A,,1,2026-01-02\n"
        "PT-1,TPMT,*1-*3A,,,\n"
        "PT-1,NUDT15,*1/*99,,,\n"
        "PT-1,DPYD,*1/*1,,7,\n"
        "PT-1,dpyd?,*1/*1,,,\n",
    )
    with pytest.raises(InputError) as caught:
        _import(engine, path, "pgx-csv")
    located = {(p.locator, p.field) for p in caught.value.problems}
    assert located == {
        ("line 3", "diplotype"),
        ("line 4", "diplotype"),
        ("line 5", "activity_score"),
        ("line 6", "gene"),
    }
    assert "0 of" in str(caught.value)
    assert row_counts(engine) == {"patients": 0, "imports": 0, "facts": 0}


def test_csv_import_feeds_the_profile(engine: Engine, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "PT-1,DPYD,*1/*2A,Intermediate Metabolizer,1,2026-01-02\nPT-1,TPMT,*1/*3A,,,\nPT-1,NUDT15,*1/*3,,,\n",
    )
    report = _import(engine, path, "pgx-csv")
    assert report.fact_counts == {"pgx": 3} and report.patients == ["PT-1"]
    actor = Actor(username="pharm", display_name="P", roles=frozenset({Role.CLINICIAN}))
    with unit_of_work(engine) as session:
        access = authorize(
            session,
            actor=actor,
            action=Action.VIEW_RECORD,
            purpose=Purpose.TREATMENT,
            obj="pgx",
            patient_id="PT-1",
        )
        profile = pgx_service.profile(session=session, access=access)
    genes = {g.gene: g for g in profile.genes}
    assert genes["DPYD"].phenotype == "Intermediate Metabolizer" and genes["DPYD"].basis.startswith(
        "fact "
    )
    assert genes["UGT1A1"].status == "not_tested"
    advice = {a.drug: a for a in profile.advice}
    assert advice["capecitabine"].percent == (50, 50)
    assert advice["mercaptopurine"].percent == (20, 50)
    assert advice["irinotecan"].action == "test"


@pytest.mark.shared
def test_genomics_reporting_genotype_examples_import() -> None:
    path = shared_file(
        "interop", "fhir-genomics-reporting", "examples", "Observation-Pgx-geno-1001.json"
    )
    from tests.support import read_file

    facts, log = read_file(path)
    pgx = [f.fact for f in facts if f.fact.kind == "pgx"]
    assert [(f.gene, f.diplotype, f.method) for f in pgx] == [("CYP2C19", "*2/*2", "lab")]  # type: ignore[union-attr]
    assert not log.problems


@pytest.mark.shared
def test_fhir_genotype_with_an_unknown_dpyd_allele_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    original = json.loads(
        shared_file(
            "interop", "fhir-genomics-reporting", "examples", "Observation-Pgx-geno-1001.json"
        ).read_text()
    )
    original["valueCodeableConcept"] = {"text": "DPYD *1/*77"}
    original["component"][0]["valueCodeableConcept"] = {
        "coding": [{"system": "http://www.genenames.org", "display": "DPYD"}]
    }
    path = tmp_path / "dpyd.json"
    path.write_text(json.dumps(original))
    with pytest.raises(InputError) as caught:
        import_file(engine, path, patient="PT-2")
    problem = caught.value.problems[0]
    assert problem.locator == "Observation/Pgx-geno-1001" and "*77 is not one" in problem.expected
    original["valueCodeableConcept"] = {"text": "DPYD *1/*2A"}
    path.write_text(json.dumps(original))
    report = import_file(engine, path, patient="PT-2")
    assert report.fact_counts.get("pgx") == 1
