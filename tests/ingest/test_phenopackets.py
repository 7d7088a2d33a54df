# SPDX-License-Identifier: Apache-2.0
"""Phenopackets v2 import on the official examples (phenopacket-tools, phenopacket-schema) and bad input."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.errors import InputError
from oncoboard.ingest.schemas import ParsedFact
from oncoboard.record.schemas import (
    CancerCondition,
    Demographics,
    SomaticVariant,
    Specimen,
    Treatment,
)
from tests.support import import_file, read_file, row_counts, shared_file

pytestmark = pytest.mark.shared

EMPTY = {"patients": 0, "imports": 0, "facts": 0}


def _example(name: str) -> Path:
    return shared_file("interop", "phenopackets", "v2-examples", *name.split("/"))


# What each example yields. Counts from the files themselves (jq): diseases without
# "excluded": true, biosamples, medicalActions, plus one subject each; variationDescriptors
# count only with a gene symbol and, where they carry no vcfRecord.genomeAssembly, an assembly
# given with --genome-build.
EXPECTED: dict[str, dict[str, int] | str] = {
    "phenopackets/AVED.json": {"demographics": 1, "condition": 1, "treatment": 1, "variant": 1},
    "phenopackets/bethleham-myopathy.json": {"demographics": 1, "variant": 1},
    "phenopackets/covid.json": {"demographics": 1, "condition": 2, "treatment": 6},
    "phenopackets/covid19.schema-repo.json": {"demographics": 1, "condition": 2, "treatment": 6},
    # the DMD copy number sits on NC_000023 (chrX): no diploid baseline, skipped with a note
    "phenopackets/duchenne.json": {"demographics": 1},
    "phenopackets/holoprosencephaly5.json": {"demographics": 1, "variant": 1},
    "phenopackets/marfan.json": {"demographics": 1, "condition": 1, "treatment": 1},
    # its only variationDescriptor has an HGVS expression but no gene: skipped with a note
    "phenopackets/mcahs1.schema-repo.json": {"demographics": 1},
    # two KLHL40 VRS alleles on NC_000003.12 without vcfRecord: the assembly is not stated
    "phenopackets/nemalineMyopathy.json": "needs --genome-build",
    "phenopackets/pseudoexfoliation.json": {"demographics": 1, "condition": 1, "treatment": 4},
    # the copy-number descriptor has no geneContext: skipped; the RB1 allele is kept
    "phenopackets/retinoblastoma.json": {
        "demographics": 1,
        "condition": 1,
        "specimen": 1,
        "treatment": 3,
        "variant": 1,
    },
    "phenopackets/squamous-cell-esophageal-carcinoma.json": {
        "demographics": 1,
        "condition": 1,
        "specimen": 3,
    },
    "phenopackets/statin-myopathy.json": {"demographics": 1, "condition": 2, "treatment": 5},
    "phenopackets/urothelial-cancer.json": {"demographics": 1, "condition": 1, "specimen": 5},
    "phenopackets/warburg-micro-syndrome.json": {"demographics": 1, "condition": 1},
    "families/family.json": {"demographics": 1},
    "cohorts/example-cohort.json": {"demographics": 2},
}


@pytest.mark.parametrize("name", EXPECTED, ids=[n.split("/")[-1] for n in EXPECTED])
def test_every_official_example_imports_or_is_refused_for_a_stated_reason(name: str) -> None:
    facts, log = read_file(_example(name))
    expected = EXPECTED[name]
    if expected == "needs --genome-build":
        assert {p.field for p in log.problems} == {"vcfRecord.genomeAssembly"}
        assert all("--genome-build" in p.expected for p in log.problems)
        return
    assert not log.problems, [str(p) for p in log.problems]
    assert Counter(f.fact.kind for f in facts) == expected


def test_examples_folder_holds_no_file_the_list_misses() -> None:
    root = _example("phenopackets").parent
    on_disk = {str(p.relative_to(root)) for p in root.rglob("*.json")}
    assert on_disk == set(EXPECTED)


def _one(facts: list[ParsedFact], locator: str) -> ParsedFact:
    found = [f for f in facts if f.locator == locator]
    assert len(found) == 1, locator
    return found[0]


def test_retinoblastoma_facts() -> None:
    facts, log = read_file(_example("phenopackets/retinoblastoma.json"))
    assert {f.patient_key for f in facts} == {"proband A"}
    subject = _one(facts, "subject").fact
    # "sex": "FEMALE", "timeAtLastEncounter": {"age": {"iso8601duration": "P6M"}}
    assert subject == Demographics(sex="female", age="P6M", identifiers=("proband A",))
    disease = _one(facts, "diseases[0]").fact
    assert isinstance(disease, CancerCondition)
    # term NCIT:C7541 Retinoblastoma, diseaseStage LOINC:LA24739-7 "Group E", onset age P4M,
    # clinicalTnmFinding "Retinoblastoma cM0 TNM Finding v8", primarySite "left eye"
    assert (disease.code, disease.display, disease.onset, disease.body_site) == (
        "NCIT:C7541",
        "Retinoblastoma",
        "age P4M",
        "left eye",
    )
    assert disease.stage == "Group E, Retinoblastoma cM0 TNM Finding v8"
    specimen = _one(facts, "biosamples[0]").fact
    # biosample.1, sampledTissue UBERON:0000970 eye, procedure Enucleation performed at P8M2W
    assert specimen == Specimen(
        specimen_id="biosample.1",
        specimen_type="Primary Neoplasm",
        body_site="eye",
        collected="age P8M2W",
    )
    melphalan = _one(facts, "medicalActions[0]").fact
    # agent DrugCentral:1678 melphalan, one dose interval on 2020-09-02, intent Cure,
    # treatmentTerminationReason "Adverse Event"
    assert melphalan == Treatment(
        category="medication",
        name="melphalan",
        code="DrugCentral:1678",
        start="2020-09-02",
        end="2020-09-02",
        intent="Cure",
        status="stopped: Adverse Event",
    )
    assert _one(facts, "medicalActions[1]").fact.name == "Carboplatin/Etoposide/Vincristine"  # type: ignore[union-attr]
    assert _one(facts, "medicalActions[2]").fact.category == "procedure"  # type: ignore[union-attr]
    variant = _one(facts, "interpretations[0].diagnosis.genomicInterpretations[1]").fact
    assert isinstance(variant, SomaticVariant)
    # vcfRecord GRCh38 NC_000013.11 48367512 C>T; label "RB1 c.958C>T (p.Arg320Ter)"
    assert (variant.genome_build, variant.gene, variant.pos, variant.ref, variant.alt) == (
        "GRCh38",
        "RB1",
        48367512,
        "C",
        "T",
    )
    assert (variant.hgvs_c, variant.hgvs_p, variant.sample_id) == (
        "NM_000321.2:c.958C>T",
        "p.R320*",
        "biosample.1",
    )
    assert any("no gene symbol" in n for n in log.notes)
    # measurements are intraocular pressure and tumour size: not tumour markers
    assert any("LOINC:79893-4" in n for n in log.notes)


def test_urothelial_and_oesophageal_cancer_facts() -> None:
    facts, _ = read_file(_example("phenopackets/urothelial-cancer.json"))
    subject = _one(facts, "subject").fact
    # "dateOfBirth": "1964-03-15T00:00:00Z", "sex": "MALE"
    assert (subject.birth_date, subject.sex) == ("1964-03-15", "male")  # type: ignore[union-attr]
    disease = _one(facts, "diseases[0]").fact
    # NCIT:C39853 Infiltrating Urothelial Carcinoma, diseaseStage Stage IV, TNM pT2b pN2 M1
    assert (disease.code, disease.display) == ("NCIT:C39853", "Infiltrating Urothelial Carcinoma")  # type: ignore[union-attr]
    assert disease.stage.startswith("Stage IV, pT2b Stage Finding")  # type: ignore[union-attr]
    bladder = _one(facts, "biosamples[3]").fact
    # "bladder biopsy id": wall of urinary bladder, histology NCIT:C39853, collected at P52Y2M
    assert bladder == Specimen(
        specimen_id="bladder biopsy id",
        specimen_type="Primary Malignant Neoplasm",
        body_site="wall of urinary bladder",
        collected="age P52Y2M",
        histology="Infiltrating Urothelial Carcinoma",
    )
    facts, _ = read_file(_example("phenopackets/squamous-cell-esophageal-carcinoma.json"))
    disease = _one(facts, "diseases[0]").fact
    # NCIT:C4024 with clinicalTnmFinding T2, N1, M0 and no diseaseStage
    assert disease == CancerCondition(
        code_system="NCIT",
        code="NCIT:C4024",
        display="Esophageal Squamous Cell Carcinoma",
        stage="T2 Stage Finding, N1 Stage Finding, M0 Stage Finding",
        stage_system="TNM (clinical)",
    )
    lymph_node = _one(facts, "biosamples[1]").fact
    assert (lymph_node.specimen_id, lymph_node.histology, lymph_node.collected) == (  # type: ignore[union-attr]
        "biosample 2",
        "Esophageal Squamous Cell Carcinoma",
        "age P48Y3M",
    )


def test_family_cohort_and_vital_status() -> None:
    facts, _ = read_file(_example("families/family.json"))
    # proband.subject.id "son.1", MALE, timeAtLastEncounter P10Y2M4D
    assert [(f.patient_key, f.locator) for f in facts] == [("son.1", "proband.subject")]
    facts, _ = read_file(_example("cohorts/example-cohort.json"))
    # members[].subject.id cohort-member-id-1 and -2, sex UNKNOWN_SEX
    assert [(f.patient_key, f.fact.sex) for f in facts] == [  # type: ignore[union-attr]
        ("cohort-member-id-1", None),
        ("cohort-member-id-2", None),
    ]
    facts, log = read_file(_example("phenopackets/covid.json"))
    # vitalStatus DECEASED; diabetes mellitus is "excluded": true
    assert _one(facts, "subject").fact.deceased is True  # type: ignore[union-attr]
    assert "MONDO:0005015" not in {f.fact.code for f in facts if f.fact.kind == "condition"}  # type: ignore[union-attr]
    assert any("1 excluded disease" in n for n in log.notes)


def test_vrs_allele_takes_the_assembly_from_the_option() -> None:
    facts, log = read_file(_example("phenopackets/nemalineMyopathy.json"), genome_build="GRCh38")
    assert not log.problems
    variants = [f.fact for f in facts if isinstance(f.fact, SomaticVariant)]
    # sequenceInterval startNumber 42686219 (VRS interbase) -> 1-based 42686220, literal "A",
    # label "NM_152393.4(KLHL40):c.602G>A (p.Trp201Ter)"
    assert [(v.gene, v.chrom, v.pos, v.alt, v.hgvs_p) for v in variants] == [
        ("KLHL40", "NC_000003.12", 42686220, "A", "p.W201*"),
        ("KLHL40", "NC_000003.12", 42688963, "C", "p.T506P"),
    ]


def test_duchenne_copy_number_on_chrx_is_skipped_with_a_note() -> None:
    _, log = read_file(_example("phenopackets/duchenne.json"))
    assert any("chrX/chrY" in n for n in log.notes)


def test_import_writes_every_fact_once(engine: Engine) -> None:
    path = _example("phenopackets/retinoblastoma.json")
    first = import_file(engine, path)
    second = import_file(engine, path)
    assert first.status == "imported" and second.status == "unchanged"
    assert first.fact_counts == {
        "demographics": 1,
        "condition": 1,
        "specimen": 1,
        "treatment": 3,
        "variant": 1,
    }
    assert first.patients == ["proband A"]
    assert row_counts(engine) == {"patients": 1, "imports": 1, "facts": 7}


def test_v1_phenopacket_is_refused_naming_the_version(engine: Engine) -> None:
    path = shared_file("interop", "phenopackets", "v1-example", "phenopacket.v1.json")
    with pytest.raises(
        InputError, match=r"phenopacketSchemaVersion: expected .*v1 is not supported.*got '1.0.0'"
    ):
        import_file(engine, path)
    assert row_counts(engine) == EMPTY


BAD_FILES = {
    "subject-is-a-string": (
        '{"id": "p1", "subject": "patient-1", "metaData": {"phenopacketSchemaVersion": "2.0.0"}}',
        r"(?s)Phenopacket: subject: expected a JSON object or list for subject, not a str.*"
        r"got '\"patient-1\"'",
    ),
    "subject-id-is-a-number": (
        '{"id": "p1", "subject": {"id": 42}, "metaData": {"phenopacketSchemaVersion": "2.0.0"}}',
        r"(?s)Phenopacket: subject.id: expected .*got '42'",
    ),
    "diseases-not-a-list": (
        '{"id": "p1", "subject": {"id": "s1"}, "diseases": {"term": {"id": "NCIT:C7541"}},'
        ' "metaData": {"phenopacketSchemaVersion": "2.0"}}',
        r"Phenopacket: diseases: expected",
    ),
    "not-json": (
        '{"id": "p1", "metaData": {"phenopacketSchemaVersion": "2.0.0"},\n  "subject": {"id": ',
        r"not JSON",
    ),
    "unknown-version": (
        '{"id": "p1", "subject": {"id": "s1"}, "metaData": {"phenopacketSchemaVersion": "3.1"}}',
        r"phenopacketSchemaVersion: expected Phenopackets schema 2.0 .*got '3.1'",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_phenopacket_is_refused_and_nothing_is_written(
    engine: Engine, tmp_path: Path, case: str
) -> None:
    text, message = BAD_FILES[case]
    path = tmp_path / f"{case}.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        import_file(engine, path)
    assert row_counts(engine) == EMPTY
