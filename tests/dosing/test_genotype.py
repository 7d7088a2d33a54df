# SPDX-License-Identifier: Apache-2.0
"""Genotype-guided starting doses in the dose proposals: API, CLI, patient page, proposals."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from oncoboard.cli.main import app as cli_app
from oncoboard.dosing.genotype import scaled_dose
from oncoboard.ingest import service as ingest
from oncoboard.ingest.schemas import ImportOptions, SourceFile
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer
from tests.pharmacogenomics.vcfs import germline_vcf
from tests.support import import_file

PATIENT = "PT-PGXDOSE"


def _patient(
    engine: Engine, tmp_path: Path, drugs: tuple[str, ...], genotypes: dict | None
) -> None:
    """A FHIR patient on ``drugs``; a germline VCF with ``genotypes`` (None: never tested)."""
    entries = [
        {
            "fullUrl": "urn:uuid:p1",
            "resource": {"resourceType": "Patient", "id": PATIENT, "name": [{"text": "Pgx Dose"}]},
        }
    ]
    for n, drug in enumerate(drugs):
        entries.append({"fullUrl": f"urn:uuid:m{n}", "resource": {
            "resourceType": "MedicationStatement", "id": f"m{n}", "status": "active",
            "medicationCodeableConcept": {"text": drug}, "subject": {"reference": "urn:uuid:p1"},
            "effectivePeriod": {"start": "2026-09-01"}}})  # fmt: skip
    bundle = tmp_path / "pgx-dose.fhir.json"
    bundle.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                  "entry": entries}))  # fmt: skip
    import_file(engine, bundle)
    if genotypes is None:
        return
    vcf = germline_vcf(tmp_path / "germline.vcf", genotypes)
    with unit_of_work(engine) as session:
        ingest.import_source(session=session, source=SourceFile.from_path(vcf),
                             options=ImportOptions(patient=PATIENT), source_format="pgx-vcf")  # fmt: skip


def _by_drug(items: list[dict]) -> dict[str, dict]:
    return {item["drug"]: item for item in items}


def test_scaled_dose_reads_only_a_leading_number() -> None:
    assert scaled_dose("1250 mg/m² twice daily (100%)", (50, 50)) == "625 mg/m² twice daily (50 %)"
    assert scaled_dose("see protocol", (50, 50)) is None
    assert scaled_dose("1000 mg/m² twice daily", None) is None


def test_dpyd_intermediate_on_capecitabine_halves_the_label_start(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    _patient(engine, tmp_path, ("capecitabine 500 mg tablet",), {"DPYD *2A": "0/1"})
    response = live_server.client().get(f"/api/v1/patients/{PATIENT}/starting-doses")
    assert response.status_code == 200, response.text
    items = response.json()
    assert items[0]["drug"] == "capecitabine" and items[0]["on_record"] is True
    cape = items[0]
    assert cape["advice"]["action"] == "reduce" and cape["advice"]["percent"] == [50, 50]
    [dpyd] = cape["advice"]["genes"]
    assert (dpyd["phenotype"], dpyd["activity_score"]) == ("Intermediate Metabolizer", 1.0)
    doses = {d["indication"]: d for d in cape["label_doses"]}
    assert doses["1250"]["genotype_dose"] == "625 mg/m² twice daily (50 %)"
    assert any("CPIC" in c for c in cape["advice"]["citations"])
    # the other groups are there, not tested, with the test advice
    others = _by_drug(items)
    assert others["mercaptopurine"]["advice"]["action"] == "standard"  # VCF: TPMT/NUDT15 *1/*1
    assert others["irinotecan"]["advice"]["provisional"] is True


def test_ae_proposal_on_capecitabine_carries_the_dpyd_result(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    _patient(engine, tmp_path, ("capecitabine",), {"DPYD *2A": "0/1"})
    body = {"drug": "capecitabine", "indication": "1250", "ae": "diarrhea", "grade": 2}
    made = live_server.client().post(f"/api/v1/patients/{PATIENT}/dose-proposals", json=body)
    assert made.status_code == 201, made.text
    out = made.json()
    assert out["pharmacogenomics"]["action"] == "reduce"
    assert any("DPYD" in text and "50 %" in text for text in out["proposal"]["limitations"])
    [stored] = live_server.client().get(f"/api/v1/patients/{PATIENT}/recommendations").json()
    assert "DPYD" in stored["recommendation"]["limitations"]


def test_poor_metaboliser_is_told_to_avoid(
    engine: Engine, tmp_path: Path, live_server: LiveServer
) -> None:
    _patient(engine, tmp_path, ("fluorouracil",), {"DPYD *2A": "1/1"})
    items = _by_drug(live_server.client().get(f"/api/v1/patients/{PATIENT}/starting-doses").json())
    fu = items["fluorouracil"]
    assert fu["on_record"] and fu["advice"]["action"] == "avoid"
    assert fu["advice"]["genes"][0]["phenotype"] == "Poor Metabolizer"


def test_unknown_genotype_is_shown_with_the_labels_testing_advice(
    engine: Engine, tmp_path: Path, live_server: LiveServer
) -> None:
    _patient(engine, tmp_path, ("capecitabine",), None)
    cape = _by_drug(live_server.client().get(f"/api/v1/patients/{PATIENT}/starting-doses").json())[
        "capecitabine"
    ]
    assert cape["advice"]["action"] == "test"
    assert cape["advice"]["genes"][0]["phenotype"] == "Not tested"
    assert "test patients for genetic variants of DPYD" in cape["advice"]["text"]
    assert all(d["genotype_dose"] is None for d in cape["label_doses"])
    page = live_server.client().get(f"/patients/{PATIENT}").text
    section = page.split('id="pharmacogenomics"')[1].split("</section>")[0]
    shown, folded = section.split('id="pgx-untested"')
    assert 'data-drug="capecitabine"' in shown and "genotype unknown" in shown
    assert 'data-drug="mercaptopurine"' in folded and 'data-drug="capecitabine"' not in folded


@pytest.mark.parametrize(
    ("genotypes", "action", "percent"),
    [
        ({"TPMT *2": "0/1"}, "reduce", [30, 80]),
        ({"NUDT15 *3": "1/1"}, "avoid", None),
        ({"TPMT *2": "0/1", "NUDT15 *3": "0/1"}, "reduce", [20, 50]),
    ],
)
def test_thiopurines_by_tpmt_and_nudt15(
    engine: Engine, tmp_path: Path, live_server: LiveServer, genotypes: dict, action: str,
    percent: list[int] | None,
) -> None:  # fmt: skip
    _patient(engine, tmp_path, ("mercaptopurine",), genotypes)
    mp = _by_drug(live_server.client().get(f"/api/v1/patients/{PATIENT}/starting-doses").json())[
        "mercaptopurine"
    ]
    assert (mp["advice"]["action"], mp["advice"]["percent"]) == (action, percent)


def test_cli_and_patient_page_say_the_same(
    engine: Engine, tmp_path: Path, live_server: LiveServer
) -> None:
    _patient(engine, tmp_path, ("capecitabine",), {"DPYD *2A": "0/1"})
    db = engine.url.render_as_string(hide_password=False)
    run = CliRunner().invoke(
        cli_app, ["--database-url", db, "--user", "dr-test", "dose", "starting", PATIENT]
    )
    assert run.exit_code == 0, run.output
    assert re.search(r"capecitabine \[on record: capecitabine\]: reduce", run.output)
    assert "625 mg/m² twice daily (50 %)" in run.output
    page = live_server.client().get(f"/patients/{PATIENT}")
    assert page.status_code == 200
    section = page.text.split('id="pharmacogenomics"')[1].split("</section>")[0]
    row = section.split('data-drug="capecitabine"')[1].split("</tr>")[0]
    assert "Intermediate Metabolizer" in row and "625 mg/m² twice daily (50 %)" in row
    assert "on record" in row
