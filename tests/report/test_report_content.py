# SPDX-License-Identifier: Apache-2.0
"""The report's content, determinism, FHIR form, CLI and API on the demo cohort + MOAlmanac.

Expected values come from the inputs, not from our output:
- demo-002.vep.vcf line 18 is EGFR c.2573T>G p.Leu858Arg (``grep -n 55191822 demo-002.vep.vcf``);
- demo-study/data_cna_discrete.txt: MET = 2 (amplification) in DEMO-002-T2;
- demo-cohort.fhir.json: Condition/demo-002-dx carries OncoTree LUAD;
- MOAlmanac legacy (``zcat molecular-oncology-almanac.json.gz | jq '.[] | select(.gene=="EGFR"
  and .protein_change=="p.L858R" and .therapy_name=="Osimertinib")'``): FDA-Approved in NSCLC;
  ``select(.gene=="MET" and .therapy_name=="Gefitinib")``: Copy Number Amplification,
  therapy_resistance 1, Guideline, NSCLC; its release is GRCh37 with a research-use notice
  (SOURCE.md); TAGRISSO PI §1: osimertinib for EGFR L858R NSCLC.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from oncoboard.cli.main import app as cli_app
from oncoboard.errors import PermissionDenied
from oncoboard.report import service
from oncoboard.report.render_fhir import LOINC, TBD, bundle
from oncoboard.report.schemas import Report
from tests.conftest import LiveServer
from tests.report.conftest import RELEASE, add_bare_patient, build

pytestmark = pytest.mark.shared


def _options(report: Report) -> list:
    return [f for tier in report.tiers for f in tier.findings]


def test_demo_002_osimertinib_tier_one_on_label_with_resistance_and_gaps(cohort: Engine) -> None:
    report = build(cohort, "demo-002", kb=[RELEASE])  # the MOAlmanac release only
    assert report.patient.tumor_type.code == "LUAD"
    assert "NSCLC" not in report.patient.tumor_type.note  # the patient's own code, with source
    assert "demo-cohort.fhir.json" in report.patient.tumor_type.note
    osimertinib = next(f for f in _options(report) if f.therapy == "Osimertinib")
    assert (osimertinib.amp_tier, osimertinib.on_label) == ("Tier I", True)
    assert osimertinib.source_level == "FDA-Approved" and osimertinib.disease_code == "NSCLC"
    fact = osimertinib.facts[0]
    assert (fact.source_name, fact.locator, fact.hgvs_p) == (
        "demo-002.vep.vcf",
        "line 18",
        "p.L858R",
    )
    # on-label first inside each tier
    for tier in report.tiers:
        labels = [f.on_label for f in tier.findings]
        assert labels == sorted(labels, reverse=True)
    # resistance is its own section and never an option
    met = [f for f in report.resistance if f.alteration == "MET amplification"]
    assert met and met[0].therapy == "Gefitinib" and met[0].direction == "resistance"
    assert ("Gefitinib", "MET amplification") not in {
        (f.therapy, f.alteration) for f in _options(report)
    }
    # not evaluated, grouped with counts; build mismatch and gene-level named
    groups = {g.category: g for g in report.not_evaluated}
    assert groups["gene-level rules off"].count > 0
    assert groups["genome build mismatch"].count >= 1
    assert all(g.count == len(g.assertion_ids) for g in report.not_evaluated)
    assert any("GRCh37" in n and "GRCh38" in n for n in report.notes)
    # counts add up per release; the KB stamp carries hash, licence and notice
    (counts,) = report.counts
    assert counts.release_id == RELEASE
    assert counts.matched + counts.not_matched + counts.not_evaluated == counts.assertions
    assert counts.not_evaluated == sum(g.count for g in report.not_evaluated)
    (release,) = report.releases
    assert release.licence == "GPL-2.0" and "research use only" in (release.notice or "")
    assert any("research use only" in n for n in report.notes)
    assert report.stamp.kb_releases == [f"{RELEASE} sha256:{release.sha256}"]
    assert report.stamp.genome_builds == ["GRCh38"]


def test_same_input_and_kb_give_byte_identical_json(cohort: Engine) -> None:
    first, second = build(cohort, "demo-002"), build(cohort, "demo-002")
    assert service.canonical_json(first, with_time=False) == service.canonical_json(
        second, with_time=False
    )
    one, two = json.loads(service.canonical_json(first)), json.loads(service.canonical_json(second))
    one.pop("generated_at"), two.pop("generated_at")
    assert one == two and first.stamp.content_sha256 == second.stamp.content_sha256
    with_genes = build(cohort, "demo-002", gene_level=True)
    assert "gene-level rules off" not in {g.category for g in with_genes.not_evaluated}
    assert with_genes.stamp.content_sha256 != first.stamp.content_sha256


def test_fhir_bundle_validates_with_r4b_and_carries_gr_codes(cohort: Engine) -> None:
    from fhir.resources.R4B.bundle import Bundle

    report = build(cohort, "demo-002", kb=[RELEASE])  # the MOAlmanac release only
    data = bundle(report)
    Bundle.model_validate(data)
    resources = [e["resource"] for e in data["entry"]]
    (diagnostic,) = [r for r in resources if r["resourceType"] == "DiagnosticReport"]
    assert diagnostic["code"]["coding"][0] == {
        "system": LOINC,
        "code": "51969-4",
        "display": "Genetic analysis report",
    }
    variants = [
        r for r in resources if r.get("code", {}).get("coding", [{}])[0].get("code") == "69548-6"
    ]
    implications = [
        r
        for r in resources
        if r.get("code", {}).get("coding", [{}])[0].get("code") == "therapeutic-implication"
    ]
    assert implications and all(i["code"]["coding"][0]["system"] == TBD for i in implications)
    egfr = next(v for v in variants if {"system": "http://varnomen.hgvs.org", "code": "p.L858R"}
                in [c["valueCodeableConcept"]["coding"][0] for c in v["component"]
                    if c["code"]["coding"][0]["code"] == "48005-3"])  # fmt: skip
    build_code = next(c for c in egfr["component"] if c["code"]["coding"][0]["code"] == "62374-4")
    assert build_code["valueCodeableConcept"]["coding"][0]["code"] == "LA26806-2"  # GRCh38
    by_drug = {
        next(c["valueCodeableConcept"]["text"] for c in i["component"]
             if c["code"]["coding"][0]["code"] == "51963-7"): i
        for i in implications
    }  # fmt: skip
    assert f"urn:uuid:{by_drug['Osimertinib']['id']}" in {
        r["reference"] for r in diagnostic["result"]
    }
    response = by_drug["Gefitinib"]["component"][0]["valueCodeableConcept"]["coding"][0]
    assert response["code"] == "LA6676-6"  # Resistant
    assert {"reference": f"urn:uuid:{egfr['id']}"} in by_drug["Osimertinib"]["derivedFrom"]


def test_patient_without_variants_or_tumour_type_gets_a_report_saying_so(
    cohort: Engine, tmp_path: Path
) -> None:
    add_bare_patient(cohort, tmp_path)
    report = build(cohort, "PT-BARE", kb=[RELEASE])  # the MOAlmanac release only
    assert report.patient.tumor_type.code is None
    assert "not guessed" in report.patient.tumor_type.note
    assert report.tiers == [] and report.resistance == []
    notes = " ".join(report.notes)
    assert "no small-variant calls" in notes and "No copy-number calls" in notes
    assert "No genome build is recorded" in notes
    assert "No alteration in this record matched a therapy option" in notes
    (counts,) = report.counts
    assert counts.matched == 0 and counts.not_evaluated > 0
    assert service.file_name(report, "pdf") == "PT-BARE.oncoboard.no-build.report.pdf"
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle(report))


def test_tumour_board_member_may_view_but_a_researcher_is_refused(cohort: Engine) -> None:
    assert build(cohort, "demo-002", user="board").patient.patient_id == "demo-002"
    with pytest.raises(PermissionDenied):
        build(cohort, "demo-002", user="researcher")


def test_cli_writes_the_deterministic_file_names(cohort: Engine, tmp_path: Path) -> None:
    url = cohort.url.render_as_string(hide_password=False)
    for fmt, name in (("json", "demo-002.oncoboard.GRCh38.report.json"),
                      ("fhir", "demo-002.oncoboard.GRCh38.fhir.json"),
                      ("html", "demo-002.oncoboard.GRCh38.report.html")):  # fmt: skip
        result = CliRunner().invoke(
            cli_app,
            ["--database-url", url, "--user", "oncologist", "report", "demo-002",
             "--format", fmt, "--kb", RELEASE, "--out", str(tmp_path)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_size > 1000
    data = json.loads((tmp_path / "demo-002.oncoboard.GRCh38.report.json").read_text())
    assert data["stamp"]["kb_releases"][0].startswith(RELEASE)
    assert "Osimertinib" in (tmp_path / "demo-002.oncoboard.GRCh38.report.html").read_text()
    unknown = CliRunner().invoke(
        cli_app, ["--database-url", url, "--user", "oncologist", "report", "demo-002",
                  "--format", "json", "--kb", "moalmanac@1999-01-01", "--out", str(tmp_path)],
    )  # fmt: skip
    assert unknown.exit_code != 0


def test_api_returns_the_typed_report_and_the_fhir_bundle(
    cohort: Engine, live_server: LiveServer
) -> None:
    client = live_server.client()
    response = client.get("/api/v1/patients/demo-002/report", params={"kb": RELEASE})
    assert response.status_code == 200, response.text
    report = Report.model_validate(response.json())
    assert any(f.therapy == "Osimertinib" for f in _options(report))
    fhir = client.get("/api/v1/patients/demo-002/report/fhir")
    assert fhir.status_code == 200 and fhir.json()["resourceType"] == "Bundle"
    missing = client.get("/api/v1/patients/nobody/report")
    assert missing.status_code == 404
    download = client.get("/patients/demo-002/report/download", params={"format": "json"})
    assert download.status_code == 200
    assert (
        'filename="demo-002.oncoboard.GRCh38.report.json"'
        in download.headers["content-disposition"]
    )
