# SPDX-License-Identifier: Apache-2.0
"""FHIR R4 import on real mCODE, Synthea bundle and Bulk Data NDJSON files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from oncoboard.ingest.fhir.references import ResourceIndex
from oncoboard.record.schemas import (
    Biomarker,
    CancerCondition,
    ClinicalFinding,
    Demographics,
    PerformanceStatus,
    SomaticVariant,
    Treatment,
)
from tests.support import import_file, read_file, row_counts, shared_file

pytestmark = pytest.mark.shared

MCODE = ("interop", "fhir-mcode", "examples")
SYNTHEA = ("interop", "synthea", "bundles-r4")
BULK = ("interop", "synthea", "bulk-ndjson-10-patients")
JENNY = "Bundle-mcode-patient-bundle-jenny-m.json"


def _facts_of(facts: list[Any], kind: type) -> list[Any]:
    return [f.fact for f in facts if isinstance(f.fact, kind)]


def test_jenny_m_bundle_her2_ecog_and_primary_cancer_with_stage() -> None:
    # PALB2 variant is NC_000016.10:g.… — a GRCh38 RefSeq accession, so GRCh38 is the right option.
    facts, log = read_file(shared_file(*MCODE, JENNY), genome_build="GRCh38")
    assert not log.problems
    assert {f.patient_key for f in facts} == {"cancer-patient-jenny-m"}
    markers = {b.name: b for b in _facts_of(facts, Biomarker)}
    # entry 21: LOINC 48676-1 HER2, valueCodeableConcept LA6577-6 "Negative", 2018-03-10
    assert markers["HER2"].value_text == "Negative"
    assert markers["HER2"].effective == "2018-03-10"
    assert markers["ER"].value_text == "Positive"  # entry 19: 85337-4 → LA6576-8 Positive
    # entry 18: LOINC 89247-1, valueInteger 0, effectiveDateTime 2018-04-12
    (ecog,) = _facts_of(facts, PerformanceStatus)
    assert (ecog.scale, ecog.score, ecog.effective) == ("ECOG", 0, "2018-04-12")
    (cancer,) = _facts_of(facts, CancerCondition)
    # entry 1: SNOMED 353431000119107, stage.summary 1222806003 "…AJCC stage IIIC", onset 2018-03-16,
    # histology extension 82711006 "Infiltrating duct carcinoma", clinicalStatus remission
    assert cancer.code == "353431000119107"
    assert cancer.display == "Primary malignant neoplasm of female left breast"
    assert (cancer.stage, cancer.onset, cancer.is_primary) == ("IIIC", "2018-03-16", True)
    assert cancer.histology == "Infiltrating duct carcinoma"
    assert cancer.clinical_status == "remission"
    assert cancer.oncotree_code is None  # no OncoTree coding in the file: never guessed
    # entry 12: the linked clinical stage-group Observation says IIB; kept as its own fact
    assert markers["clinical TNM stage group"].value_text == "IIB"
    assert markers["cT category"].value_text == "cT3"
    (demo,) = _facts_of(facts, Demographics)
    assert (demo.name, demo.birth_date, demo.sex) == ("Jenny M", "1965-01-01", "female")
    assert demo.identifiers == ("http://hospital.example.org|MRN1234",)
    assert facts[0].locator == "entry 0 (Patient/cancer-patient-jenny-m)"
    assert json.loads(facts[0].raw or "{}")["id"] == "cancer-patient-jenny-m"
    # 40 entries; 19 references point outside this collection bundle (performer, specimen …)
    assert "read 40 resource(s)" in log.notes
    assert any("point outside the bundle" in n for n in log.notes)


def test_stk11_variant_from_the_mcode_example() -> None:
    path = shared_file(*MCODE, "Observation-genomic-variant-somatic-single-nucleotide.json")
    facts, log = read_file(path, genome_build="GRCh37")
    assert not log.problems
    (parsed,) = facts
    variant = parsed.fact
    assert isinstance(variant, SomaticVariant)
    # components: 48018-6 HGNC:11389 STK11; 81290-9 "NM_000455.5:c.725G>A"; 48002-0 LA6684-0
    assert (variant.gene, variant.hgvs_c, variant.transcript) == (
        "STK11",
        "c.725G>A",
        "NM_000455.5",
    )
    assert (variant.origin, variant.genome_build) == ("somatic", "GRCh37")
    assert parsed.patient_key == "cancer-patient-john-anyperson"  # subject Patient/… (not in file)
    assert parsed.locator == "Observation/genomic-variant-somatic-single-nucleotide"


def test_gr_oncology_report_variants_carry_their_build_and_vaf() -> None:
    path = shared_file(
        "interop",
        "fhir-genomics-reporting",
        "examples",
        "Bundle-bundle-oncology-report-example.json",
    )
    facts, log = read_file(path)
    assert not log.problems
    variants = {f.fact.gene: f.fact for f in facts if isinstance(f.fact, SomaticVariant)}
    assert len(variants) == 11  # 12 variant entries, PIK3CA twice (c.3140A>G and c.333G>T)
    pik3ca = [
        f.fact for f in facts if isinstance(f.fact, SomaticVariant) and f.fact.gene == "PIK3CA"
    ]
    # entry 3: 62374-4 LA14029-5 GRCh37, 48005-3 NP_006209.2:p.His1047Arg, 81258-6 0.2188
    h1047r = next(v for v in pik3ca if v.hgvs_c == "c.3140A>G")
    assert (h1047r.genome_build, h1047r.hgvs_p, h1047r.vaf) == ("GRCh37", "p.H1047R", 0.2188)
    assert h1047r.alt_depth == 64  # 82121-5 valueQuantity 64
    # urn:uuid: fullUrls; the patient key is the Patient's id
    assert {f.patient_key for f in facts} == {"Inline-Instance-for-oncology-report-example-2"}


CANCER_BUNDLES = {
    "Andy_Schaden": {"126906006", "92691004"},
    "Austin_Franecki": {"254637007", "424132000"},
    "Cleo_Friesen": {"94260004"},
    "Darin_Skiles": {"93761005"},
    "Fletcher_Hyatt": {"254637007", "424132000", "126906006", "92691004"},
    "Florentino_Mertz": {"93761005"},
    "Gilbert_Wunsch": {"254637007", "424132000"},
    "Jerrell_Gerlach": {"126906006", "92691004"},
    "Keira_Huel": {"363406005"},
    "Lavelle_Kuvalis": {"109838007"},
    "Librada_Tromp": {"109838007"},
    "Micah_Schinner": {"94260004"},
    "Sherman_McGlynn": {"254632001", "67811000119102", "126906006", "92691004"},
    "Vito_Feeney": {"126906006", "314994000"},
}


def test_synthea_bundles_find_exactly_the_cancer_patients() -> None:
    # Condition codes per file: zcat <f> | jq -r '.entry[].resource|select(.resourceType=="Condition")
    # |.code.coding[0].code' — SOURCE.md lists the same 14 cancer patients; "Suspected lung
    # cancer" (162573006, a situation) is not a diagnosis and must not count. Prostate patients
    # carry both 126906006 "Neoplasm of prostate" and 92691004 carcinoma in situ.
    files = sorted(shared_file(*SYNTHEA).glob("*.json.gz"))
    assert len(files) == 20
    found: dict[str, set[str]] = {}
    for path in files:
        facts, log = read_file(path)
        assert not log.problems, path.name
        codes = {c.code for c in _facts_of(facts, CancerCondition) if c.code}
        if codes:
            found["_".join(path.name.split("_")[:2])] = codes
        assert all(c.oncotree_code is None for c in _facts_of(facts, CancerCondition))
    assert found == CANCER_BUNDLES


def test_synthea_lung_cancer_patient_record() -> None:
    (path,) = shared_file(*SYNTHEA).glob("Austin_Franecki_*.json.gz")
    facts, log = read_file(path)
    patient = "84afbe27-2a55-4f53-b1de-3513e21dae68"  # Patient.id; fullUrl urn:uuid:<same>
    assert {f.patient_key for f in facts} == {patient}
    (demo,) = _facts_of(facts, Demographics)
    assert (demo.name, demo.birth_date, demo.sex) == ("Austin Franecki", "1920-04-23", "male")
    treatments = _facts_of(facts, Treatment)
    assert len(treatments) == 166  # 97 MedicationRequest + 69 Procedure entries
    cisplatin = [t for t in treatments if t.code == "1736854"]  # RxNorm Cisplatin 50 MG Injection
    assert len(cisplatin) == 48
    assert cisplatin[0].start == "1985-07-26T02:39:21+00:00"  # the +00:00 offset is kept as written
    nsclc = next(c for c in _facts_of(facts, CancerCondition) if c.code == "424132000")
    assert nsclc.display == "Non-small cell carcinoma of lung, TNM stage 1"  # stage inside the code
    assert any("Claim ×166" in n for n in log.notes)  # skipped, counted, never silent
    assert facts[0].locator.startswith("entry ")


def test_provider_bundle_has_no_patient_facts() -> None:
    facts, log = read_file(shared_file(*SYNTHEA, "practitionerInformation1559319163815.json.gz"))
    assert facts == [] and not log.problems
    assert any("Practitioner ×102" in n for n in log.notes)  # 102 entries, all Practitioner


def test_bulk_ndjson_streams_lines_with_line_locators() -> None:
    facts, log = read_file(shared_file(*BULK, "Condition.000.ndjson.gz"))
    assert not log.problems
    # 555 lines; cancer: 254637007, 424132000, 254837009 all for Patient/129c6ac7-…
    # (zcat Condition.000.ndjson.gz | grep -c '"code":"254837009"' etc.)
    cancers = _facts_of(facts, CancerCondition)
    assert sorted(c.code for c in cancers) == ["254637007", "254837009", "424132000"]
    cancer_keys = {f.patient_key for f in facts if isinstance(f.fact, CancerCondition)}
    assert cancer_keys == {"129c6ac7-8d06-89de-ad63-0204a93e76c3"}
    # every other Condition is kept as a finding (trial eligibility reads the medical history)
    assert len(facts) == 555 and all(
        isinstance(f.fact, CancerCondition | ClinicalFinding) for f in facts
    )
    assert all(f.locator.startswith("line ") and "(Condition/" in f.locator for f in facts)
    patients, log = read_file(shared_file(*BULK, "Patient.000.ndjson.gz"))
    assert len(patients) == 13 and not log.problems  # 13 Patient lines


def test_bulk_export_log_is_not_fhir() -> None:
    # log.ndjson.gz is the export audit log: objects with eventId/exportId, no resourceType
    facts, log = read_file(shared_file(*BULK, "log.ndjson.gz"))
    assert facts == []
    assert log.problems and log.problems[0].locator == "line 1 ((no resourceType))"
    assert log.problems[0].field == "resourceType"


def _ndjson(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_conditional_references_resolve_by_identifier() -> None:
    # Encounter.participant: "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|99999…"
    index = ResourceIndex(closed=True)
    for resource in _ndjson(shared_file(*BULK, "Practitioner.000.ndjson.gz")):
        index.add(resource, None)
    encounters = _ndjson(shared_file(*BULK, "Encounter.000.ndjson.gz"))
    refs = [p["individual"] for e in encounters for p in e.get("participant", [])]
    conditional = [r for r in refs if "?identifier=" in r["reference"]]
    assert len(conditional) == len(refs) > 1000
    for ref in conditional[:200]:
        target = index.resolve(ref, {})
        npi = ref["reference"].rsplit("|", 1)[1]
        assert target.status == "resolved"
        assert any(i["value"] == npi for i in target.resource["identifier"])


def test_every_synthea_reference_resolves_urn_uuid_and_contained() -> None:
    (path,) = shared_file(*SYNTHEA).glob("Keira_Huel_*.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        bundle = json.load(handle)
    index = ResourceIndex(closed=True)
    for entry in bundle["entry"]:
        index.add(entry["resource"], entry["fullUrl"])
    seen = {"urn": 0, "#": 0}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        for claim_item in [resource.get("patient"), *(resource.get("insurance") or [])]:
            ref = claim_item.get("coverage", claim_item) if isinstance(claim_item, dict) else None
            if not ref or "reference" not in ref:
                continue
            assert index.resolve(ref, resource).status == "resolved", ref
            seen["#" if ref["reference"].startswith("#") else "urn"] += 1
    assert seen["urn"] > 0 and seen["#"] > 0


def test_absolute_and_relative_references_find_the_same_entry() -> None:
    bundle = json.loads(shared_file(*MCODE, JENNY).read_text(encoding="utf-8"))
    index = ResourceIndex(closed=True)
    for entry in bundle["entry"]:
        index.add(entry["resource"], entry["fullUrl"])
    absolute = index.resolve(
        {"reference": "http://example.org/fhir/Patient/cancer-patient-jenny-m"}, {}
    )
    relative = index.resolve({"reference": "Patient/cancer-patient-jenny-m"}, {})
    assert absolute.resource is relative.resource is not None
    assert (
        index.resolve({"reference": "Practitioner/us-core-practitioner-kyle-anydoc"}, {}).status
        == "external"
    )


def test_jenny_bundle_imports_into_the_database_once(engine: Engine) -> None:
    path = shared_file(*MCODE, JENNY)
    first = import_file(engine, path, genome_build="GRCh38")
    again = import_file(engine, path, genome_build="GRCh38")
    assert first.status == "imported" and again.status == "unchanged"
    assert first.patients == ["cancer-patient-jenny-m"]
    # 1 Patient, 1 cancer Condition, 4 MedicationRequest + 4 Procedure, 4 TNM + 4 tumour-marker
    # Observations, 1 Specimen, 1 ECOG, 1 PALB2 variant; for trial eligibility: 2 comorbidities
    # recorded absent (obesity, disorder of lung) and the cancer disease status (improved,
    # 2018-11-01), 1 region studied (7 genes), 4 laboratory Observations (neutrophils and three
    # pathology results) and the body weight (155 [lb_av], a vital sign)
    assert first.fact_counts == {
        "demographics": 1,
        "condition": 1,
        "treatment": 8,
        "biomarker": 8,
        "specimen": 1,
        "performance_status": 1,
        "variant": 1,
        "finding": 3,
        "gene_testing": 1,
        "lab": 5,
    }
    assert any("4.0.1" in note for note in first.notes)
    assert row_counts(engine)["facts"] == 30


@pytest.mark.parametrize(
    ("folder", "name", "expected"),
    [
        # valueQuantity 29.8 (no unit), effectiveDateTime 2023-02-01
        ("fhir-genomics-reporting", "Observation-TMBExample.json", ("TMB", 29.8, None)),
        # valueCodeableConcept LA26203-2 "MSI-H"
        ("fhir-genomics-reporting", "Observation-MSIExample.json", ("MSI", None, "MSI-H")),
    ],
)
def test_tmb_and_msi_become_biomarkers(folder: str, name: str, expected: tuple[Any, ...]) -> None:
    facts, log = read_file(shared_file("interop", folder, "examples", name))
    assert not log.problems
    (marker,) = _facts_of(facts, Biomarker)
    assert (marker.name, marker.value_number, marker.value_text) == expected
    assert marker.effective == "2023-02-01"


def test_karnofsky_score() -> None:
    path = shared_file(*MCODE, "Observation-karnofsky-performance-status-normal-activity.json")
    facts, _ = read_file(path)
    (status,) = _facts_of(facts, PerformanceStatus)
    assert (status.scale, status.score, status.effective) == ("Karnofsky", 90, "2019-04-01")
