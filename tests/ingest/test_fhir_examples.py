# SPDX-License-Identifier: Apache-2.0
"""Every official mCODE 4.0.0 and Genomics Reporting 3.0.0 example: imported, or refused for a reason.

Expectations are written out per file. A variant Observation (LOINC 69548-6) that has a gene or
an HGVS expression but no reference-assembly component (62374-4) needs ``--genome-build``: we
never assume a build. Listed files were found with (outside our code):

    jq -c '.. | objects | select(.resourceType=="Observation") | select(any(.code.coding[]?;
        .code=="69548-6")) | [.id, [.component[]?.code.coding[0].code]]' <file>

and the test re-checks that premise with plain ``json`` before trusting our reader.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from oncoboard.record.schemas import GeneTesting
from tests.support import read_file, shared_file

pytestmark = pytest.mark.shared

MCODE = ("interop", "fhir-mcode", "examples")
GR = ("interop", "fhir-genomics-reporting", "examples")

# mCODE 4.0 (GR 2.0 pattern) variants with no 62374-4 component.
MCODE_NEEDS_BUILD = {
    "Bundle-gx-genomic-bundle-adam-anyperson.json",  # entry 17, MET-ALK fusion (others say GRCh37)
    "Bundle-mcode-patient-bundle-jenny-m.json",  # PALB2 NC_000016.10:g.23603471G>T
    "Observation-genomic-variant-fusion.json",
    "Observation-genomic-variant-germline-deletion.json",
    "Observation-genomic-variant-jenny-m.json",
    "Observation-genomic-variant-somatic-single-nucleotide.json",  # STK11 c.725G>A
    "Observation-gx-genomic-variant-fusion-ETV6-RUNX1-brian-l.json",
    "Observation-gx-genomic-variant-fusion-met-alk.json",
}
# GR 3.0: most variant examples omit the assembly (only the BCM oncology report, SNVexample,
# the CYP2C19 phase example and the oncology-diagnostic bundle carry LA14029-5 GRCh37).
GR_NEEDS_BUILD = {
    "Bundle-bundle-cgexample-withGrouping.json",
    "Bundle-bundle-cgexample.json",
    "Bundle-bundle-compound-heterozygote.json",
    "Bundle-bundle-oncologyexamples-r4-withGrouping.json",
    "Bundle-bundle-oncologyexamples-r4.json",
    "Bundle-bundle-pgxexample.json",
    "Observation-ATR-insertion-var.json",
    "Observation-EGFR-L858R-var.json",
    "Observation-MSH2-del-var.json",
    "Observation-MultipleRepeatExpansions.json",
    "Observation-NOTCH1-uncertain-var.json",
    "Observation-NTHL1-snv-var.json",
    *(f"Observation-Pgx-var-{n}.json" for n in range(1011, 1022)),
    "Observation-ROS1-Fusion-var.json",
    "Observation-RepeatExpansion.json",
    "Observation-STAG2-insertion-var.json",
    "Observation-Variant-Somatic-Clinical-Trial.json",
    "Observation-VariantExample1.json",
    "Observation-ZFHX3-uncertain-var.json",
    "Observation-variant-with-molec-consequences.json",  # g. HGVS sits in component 81252-9
}
# No subject at all: whose data it is cannot be known without --patient.
GR_NEEDS_PATIENT = {
    "Observation-obs1-interact-smn1-smn2.json": True,  # SMN1 copy number 0: also needs a build
    "Specimen-specimen-hla-r4.json": False,
}
# Variant Observations we cannot represent are skipped with a note, not refused: coordinates
# only (no gene, no HGVS), ISCN karyotypes, a diploid copy number, pertinent negatives.
GR_SKIPPED_VARIANTS = {
    "Observation-ExampleGermlineCNV.json",
    "Observation-ExampleSomaticCNV.json",
    "Observation-ExampleSomaticDEL.json",
    "Observation-ISCN-CMLExample.json",
    "Observation-VariantExample.json",
    "Observation-VariantExample2.json",
    "Observation-obs2-interact-smn1-smn2.json",  # SMN2 copy number 2
}


def _files(parts: tuple[str, ...]) -> list[Path]:
    return sorted(shared_file(*parts).glob("*.json"))


def _resources(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if doc["resourceType"] == "Bundle":
        return [e["resource"] for e in doc.get("entry", []) if "resource" in e]
    return [doc]


def _variants_without_assembly(path: Path) -> bool:
    """Independent premise check: a present 69548-6 Observation lacking component 62374-4."""
    for resource in _resources(json.loads(path.read_text(encoding="utf-8"))):
        codes = [c.get("code") for c in resource.get("code", {}).get("coding", [])]
        if resource["resourceType"] != "Observation" or "69548-6" not in codes:
            continue
        parts = [c["code"]["coding"][0]["code"] for c in resource.get("component", [])]
        absent = "LA9634-2" in json.dumps(resource.get("valueCodeableConcept"))
        if "62374-4" not in parts and not absent:
            return True
    return False


def _build_for(path: Path) -> str:
    # Files that state GRCh37 elsewhere must be given the same build, or we would refuse them.
    return "GRCh37" if "LA14029-5" in path.read_text(encoding="utf-8") else "GRCh38"


def test_example_counts_match_the_packages() -> None:
    assert len(_files(MCODE)) == 179  # SOURCE.md: 179 example resources
    assert len(_files(GR)) == 204  # SOURCE.md: 204 example resources


@pytest.mark.parametrize("folder", [MCODE, GR], ids=["mcode", "genomics-reporting"])
def test_every_example_imports_or_is_refused_for_its_reason(folder: tuple[str, ...]) -> None:
    needs_build = MCODE_NEEDS_BUILD if folder == MCODE else GR_NEEDS_BUILD
    needs_patient = {} if folder == MCODE else GR_NEEDS_PATIENT
    outcomes: dict[str, str] = {}
    for path in _files(folder):
        _, log = read_file(path)
        fields = {p.field for p in log.problems}
        if path.name in needs_patient:
            assert fields == {f"{json.loads(path.read_text())['resourceType']}.subject"}, path.name
            assert all("--patient" in p.expected for p in log.problems)
            options: dict[str, str] = {"patient": "P1"}
            if needs_patient[path.name]:
                options["genome_build"] = _build_for(path)
            _, log = read_file(path, **options)
            outcomes[path.name] = "needs --patient"
        elif path.name in needs_build:
            assert _variants_without_assembly(path), path.name
            assert fields == {"component 62374-4 (reference assembly)"}, path.name
            assert all("--genome-build" in p.expected for p in log.problems)
            _, log = read_file(path, genome_build=_build_for(path))
            outcomes[path.name] = "needs --genome-build"
        else:
            outcomes[path.name] = "imported"
        assert not log.problems, f"{path.name}: {log.problems[:3]}"
        assert any("FHIR R4 4.0.1" in note for note in log.notes)
    assert sum(v == "needs --genome-build" for v in outcomes.values()) == len(needs_build)
    assert sum(v == "needs --patient" for v in outcomes.values()) == len(needs_patient)


def test_unrepresentable_gr_variants_are_skipped_with_a_note() -> None:
    for name in sorted(GR_SKIPPED_VARIANTS):
        facts, log = read_file(shared_file(*GR, name))
        assert not log.problems and not facts, name
        assert any("variant Observation" in n or "copy-number" in n for n in log.notes), name


def test_pertinent_negative_is_a_negative_result_not_a_variant() -> None:
    # value LA9634-2 "Absent" for NRAS, KIT and BRAF (components 48018-6 of
    # …pertinent-negative-nras-kit-braf.json): the genes were tested, nothing was found.
    path = shared_file(
        *MCODE, "Observation-gx-genomic-variant-pertinent-negative-nras-kit-braf.json"
    )
    facts, log = read_file(path)
    assert not log.problems
    # not a variant: the genes it names were examined and nothing was found in them
    (fact,) = [f.fact for f in facts]
    assert isinstance(fact, GeneTesting) and fact.scope == "no_variant_found"
    assert fact.genes == ("NRAS", "KIT", "BRAF")


def test_examples_without_profile_are_classified_by_content() -> None:
    # FamilyMemberHistory ×4, ServiceRequest, a Practitioner, the gx Bundle and the pack-years
    # Observation carry no meta.profile (SOURCE.md); the gx Bundle still yields its facts.
    path = shared_file(*MCODE, "Bundle-gx-genomic-bundle-adam-anyperson.json")
    assert "profile" not in json.loads(path.read_text()).get("meta", {})
    facts, log = read_file(path, genome_build="GRCh37")
    assert not log.problems
    kinds = sorted(f.fact.kind for f in facts)
    # entries 7-11: CDKN2A/CDKN2B/KDM5D/MTAP copy_number_loss, MYCN copy_number_gain
    assert kinds.count("copy_number") == 5
    assert {f.fact.gene for f in facts if f.fact.kind == "copy_number"} == {
        "CDKN2A", "CDKN2B", "KDM5D", "MTAP", "MYCN"
    }  # fmt: skip
    fusion = next(f.fact for f in facts if f.fact.kind == "fusion")
    # entry 17: two 48018-6 gene components MET then ALK, SO:0002062 complex rearrangement
    assert (fusion.gene_5p, fusion.gene_3p) == ("MET", "ALK")
