# SPDX-License-Identifier: Apache-2.0
"""MOAlmanac readers on the real files and on small malformed ones (no database needed).

Expected values come from reading the JSON directly, e.g.
``python -c "import gzip,json; d=json.load(gzip.open(P,'rt')); print(len(d))"``; the command
behind each number is in the comment next to it.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from oncoboard.errors import InputError, KnowledgeUnavailable
from oncoboard.knowledge import qc
from oncoboard.knowledge.reader import KbRead
from oncoboard.knowledge.rules import (
    CodonRule,
    CopyNumberRule,
    ExonRule,
    FusionRule,
    GeneAnyRule,
    GenomicRule,
    LossOfFunctionRule,
    MsiRule,
    ProteinRule,
    TmbRule,
    UnsupportedRule,
)
from oncoboard.knowledge.schemas import Assertion, EvidenceClass
from oncoboard.knowledge.sources import READERS, reader_for
from tests.support import shared_file

LEGACY = ("kb", "moalmanac", "molecular-oncology-almanac.json.gz")
INTERPRETER = ("kb", "moalmanac", "interpreter-kb-2025-02-07.json.gz")


@pytest.fixture(scope="module")
def legacy() -> KbRead:
    return reader_for("moalmanac").read(shared_file(*LEGACY))


@pytest.fixture(scope="module")
def interpreter() -> KbRead:
    return reader_for("moalmanac-interpreter").read(shared_file(*INTERPRETER))


def _by_id(read: KbRead) -> dict[str, Assertion]:
    return {a.assertion_id: a for a in read.assertions}


@pytest.mark.shared
def test_legacy_file_counts_match_the_source(legacy: KbRead) -> None:
    raw = json.loads(gzip.decompress(shared_file(*LEGACY).read_bytes()))
    # kb-notes §2.1 / SOURCE.md: 1,018 assertions; by type Somatic 651, CN 115, Germline 113, ...
    assert len(raw) == legacy.records_read == 1018
    assert Counter(r["feature_type"] for r in raw) == {
        "Somatic Variant": 651, "Copy Number": 115, "Germline Variant": 113,
        "Rearrangement": 91, "Mutational Signature": 20, "Knockdown": 12,
        "Microsatellite Stability": 9, "Mutational Burden": 6, "Aneuploidy": 1,
    }  # fmt: skip
    assert Counter(r["predictive_implication"] for r in raw) == {
        "FDA-Approved": 294, "Guideline": 207, "Clinical evidence": 175,
        "Inferential": 146, "Preclinical": 142, "Clinical trial": 54,
    }  # fmt: skip
    # newest last_updated in the file is 2025-12-26 (SOURCE.md): the release it is named by
    assert legacy.release == "2025-12-26"
    assert legacy.licence == "GPL-2.0"
    assert legacy.notice is not None
    assert "For research use only — diagnostic and clinical use prohibited" in legacy.notice
    assert legacy.genome_build == "GRCh37"
    assert qc.run(legacy, name="legacy") == []


@pytest.mark.shared
def test_every_record_is_published_or_dropped_with_its_reason(legacy: KbRead) -> None:
    dropped = {d.locator: d.reason for d in legacy.dropped}
    # [r['assertion_id'] for r in d if r['_deprecated']] -> [58, 882, 936]
    for ident in (58, 882, 936):
        assert any(f"assertion_id {ident})" in k and "deprecated" in v for k, v in dropped.items())
    # 17 rows have therapy_sensitivity == 0 (e.g. 409 NRAS cetuximab "not recommended" by NCCN)
    assert sum("therapy_sensitivity = 0" in v for v in dropped.values()) == 17
    # adverse_event_risk == 1 on 585, 656, 682, 683 (no other flag set): adverse responses
    adverse = [a for a in legacy.assertions if a.direction == "adverse_response"]
    assert [a.assertion_id for a in adverse] == [f"moalmanac:{n}" for n in (585, 656, 682, 683)]
    assert adverse[0].therapy is not None and adverse[0].therapy.name == "Radiation Therapy"
    # assertion 742 names gene 'HIF1a' (HGNC: HIF1A): dropped, not silently upper-cased
    assert "'HIF1a' is not an HGNC symbol" in dropped["record 742 (assertion_id 742)"]
    assert len(legacy.dropped) == 3 + 17 + 1
    assert len(legacy.assertions) == 1018 - len(legacy.dropped)


@pytest.mark.shared
def test_assertion_1_is_bcr_abl1_bosutinib_fda_approved_in_cml(legacy: KbRead) -> None:
    first = _by_id(legacy)["moalmanac:1"]
    assert first.rule == FusionRule(gene_5p="BCR", gene_3p="ABL1", ordered=True)
    assert first.therapy is not None and first.therapy.name == "Bosutinib"
    assert first.therapy.codes == ("ncit:C60809",)
    assert first.source_level == "FDA-Approved"
    assert first.evidence_class == EvidenceClass.REGULATORY_APPROVAL
    assert first.direction == "sensitivity"
    assert first.disease.oncotree_code == "CML"
    assert first.disease.context == "Chronic, accelerated, or blast phase"
    assert first.references[0].url is not None and "203341s020lbl.pdf" in first.references[0].url
    assert first.raw["assertion_id"] == 1


@pytest.mark.shared
def test_each_feature_type_maps_to_the_rule_its_row_states(legacy: KbRead) -> None:
    found = _by_id(legacy)
    rule = {key: found[f"moalmanac:{key}"].rule for key in (
        144, 375, 587, 272, 399, 398, 118, 599, 120, 106, 715, 688, 768, 799, 794, 796, 810, 12,
    )}  # fmt: skip
    assert rule[144] == ProteinRule(gene="BRAF", protein_change="p.V600E")  # protein_change p.V600E
    assert rule[375] == CodonRule(gene="KRAS", ref="G", position=12)  # protein_change 'p.G12'
    # 587: germline ATM c.2251-10T>G, no protein change, 11:108128198 T>G
    assert rule[587] == GenomicRule(
        genome_build="GRCh37", chrom="11", pos=108128198, ref="T", alt="G", gene="ATM",
        origin="germline",
    )  # fmt: skip
    assert rule[272] == ExonRule(gene="EGFR", exon=19, change="deletion")  # Deletion, exon 19
    assert rule[399] == ExonRule(gene="MET", exon=14, change="skipping")  # "exon 14 skipping"
    assert rule[398] == ExonRule(gene="MET", exon=14, change="skipping")  # Splice Site, exon 14
    assert rule[118] == LossOfFunctionRule(
        gene="ARID1A", origin="somatic", variant_class="nonsense"
    )
    assert rule[599] == LossOfFunctionRule(gene="BRCA1", origin="germline")  # pathogenic = 1
    assert rule[120] == GeneAnyRule(gene="ARID1A")  # no class, no change: any mutation
    assert rule[106] == GeneAnyRule(gene="AKT1", variant_class="missense")
    assert rule[715] == CopyNumberRule(gene="ERBB2", direction="amplification")
    assert rule[688] == CopyNumberRule(gene="ARID1A", direction="deletion")
    assert rule[768] == MsiRule()  # MSI-High, pembrolizumab, FDA-Approved
    assert rule[799] == TmbRule(at_least=10.0)  # mutations_per_mb 10 (KEYNOTE-158 label)
    assert rule[794] == TmbRule(at_least=10.0)  # no threshold in the row: documented default
    assert isinstance(rule[796], UnsupportedRule) and "absolute count" in rule[796].reason
    assert isinstance(rule[810], UnsupportedRule)  # whole-genome doubling
    assert rule[12] == FusionRule(gene_5p="ALK", ordered=False)  # ALK, no partner named


@pytest.mark.shared
def test_directions_come_from_the_sensitivity_resistance_prognosis_flags(legacy: KbRead) -> None:
    found = _by_id(legacy)
    assert found["moalmanac:66"].direction == "resistance"  # ABL1 p.T315I, imatinib
    assert found["moalmanac:20"].direction == "poor_prognosis"  # favorable_prognosis 0
    assert found["moalmanac:20"].therapy is None
    assert found["moalmanac:849"].direction == "diagnostic"  # MYOCD, diagnostic 1
    # 672 rows have therapy_sensitivity == 1; 58, 742, 882 and 936 among them are dropped
    # (sum(r['therapy_sensitivity'] == 1 and not r['_deprecated'] and r.get('gene') != 'HIF1a'))
    assert Counter(a.direction for a in legacy.assertions)["sensitivity"] == 668


@pytest.mark.shared
def test_interpreter_release_is_read_with_its_own_release_and_gene_list(
    interpreter: KbRead,
) -> None:
    # d['release'] -> '2025-02-07'; len(d['content']) -> 1007 (SOURCE.md: 1,007 assertions)
    assert interpreter.release == "2025-02-07"
    assert interpreter.records_read == interpreter.expected_records == 1007
    assert qc.run(interpreter, name="interpreter") == []
    mk = _by_id(interpreter)["moalmanac:106"]
    assert mk.therapy is not None and mk.therapy.name == "MK-2206"  # legacy: Akt Inhibitor MK2206


# --- malformed input: small files written here -------------------------------------------

ROW: dict[str, Any] = {
    "feature_type": "Somatic Variant", "gene": "BRAF", "chromosome": "7",
    "start_position": 140453136, "end_position": 140453136, "reference_allele": "A",
    "alternate_allele": "T", "cdna_change": "c.1799T>A", "protein_change": "p.V600E",
    "variant_annotation": "Missense", "exon": 15, "rsid": "", "disease": "Melanoma",
    "context": "", "oncotree_term": "Melanoma", "oncotree_code": "MEL",
    "therapy_name": "Vemurafenib", "therapy_strategy": "B-RAF inhibition",
    "therapy_type": "Targeted therapy", "therapy_sensitivity": 1, "therapy_resistance": "",
    "favorable_prognosis": "", "predictive_implication": "FDA-Approved", "description": "x",
    "source_type": "FDA", "citation": "Zelboraf label", "url": "", "doi": "", "pmid": "",
    "nct": "", "publication_date": "2020-05-01", "last_updated": "2024-01-02",
    "_deprecated": False, "assertion_id": 1, "feature_id": 1, "source_id": 1,
    "therapy_name_mappings": [],
}  # fmt: skip


def _write(tmp_path: Path, rows: Any, name: str = "kb.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def _read(path: Path) -> tuple[KbRead, list[str]]:
    read = reader_for("moalmanac").read(path)
    return read, [str(p) for p in qc.run(read, name=path.name)]


def test_a_valid_small_file_passes(tmp_path: Path) -> None:
    read, problems = _read(_write(tmp_path, [ROW]))
    assert problems == []
    assert read.assertions[0].rule == ProteinRule(gene="BRAF", protein_change="p.V600E")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"predictive_implication": None}, "record 1 (assertion_id 1): predictive_implication"),
        ({"predictive_implication": "Level 1"}, "expected one of FDA-Approved, Guideline"),
        ({"reference_allele": "AXG"}, "reference_allele: expected bases A, C, G, T or '-'"),
        ({"alternate_allele": "N"}, "alternate_allele: expected bases A, C, G, T or '-'"),
        ({"feature_type": "Methylation"}, "feature_type: expected one of Somatic Variant"),
        ({"therapy_sensitivity": "yes"}, "therapy_sensitivity: expected 1, 0 or empty"),
        ({"last_updated": "soon"}, "last_updated: expected a date"),
        ({"pmid": "PMID:123"}, "pmid: expected String should match pattern"),
    ],
    ids=[
        "missing level",
        "unknown level",
        "bad ref",
        "bad alt",
        "unknown feature",
        "bad flag",
        "bad date",
        "bad pmid",
    ],
)
def test_a_defective_row_refuses_the_release_with_a_located_problem(
    tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    row = {**ROW, **change}
    if change.get("predictive_implication", "") is None:
        del row["predictive_implication"]
    good = {**ROW, "assertion_id": 2}
    _read_result, problems = _read(_write(tmp_path, [row, good]))
    assert any(expected in p for p in problems), problems


def test_a_gene_symbol_not_in_hgnc_form_is_dropped_with_the_reason(tmp_path: Path) -> None:
    read, problems = _read(_write(tmp_path, [{**ROW, "gene": "braf"}, {**ROW, "assertion_id": 2}]))
    assert problems == []
    assert [d.locator for d in read.dropped] == ["record 1 (assertion_id 1)"]
    assert "gene 'braf' is not an HGNC symbol" in read.dropped[0].reason
    assert json.loads(read.dropped[0].raw)["gene"] == "braf"


def test_duplicate_ids_and_an_empty_release_are_refused(tmp_path: Path) -> None:
    _, problems = _read(_write(tmp_path, [ROW, ROW]))
    assert any("assertion_id: expected unique (found 2 times)" in p for p in problems)
    deprecated = {**ROW, "_deprecated": True}
    _, problems = _read(_write(tmp_path, [deprecated], "only-deprecated.json"))
    assert any("assertions: expected at least one assertion" in p for p in problems)


def test_a_file_that_cannot_be_read_is_an_input_error(tmp_path: Path) -> None:
    whole = gzip.compress(json.dumps([ROW] * 50).encode())
    truncated = tmp_path / "kb.json.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match=r"kb.json.gz: cannot read"):
        reader_for("moalmanac").read(truncated)
    not_json = tmp_path / "kb.json"
    not_json.write_text("feature_type\tgene\nSomatic Variant\tBRAF\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"kb.json: not JSON: .* line 1, column 1"):
        reader_for("moalmanac").read(not_json)
    wrapped = _write(tmp_path, {"release": "x", "content": [ROW]}, "wrapped.json")
    with pytest.raises(InputError, match="use --source moalmanac-interpreter"):
        reader_for("moalmanac").read(wrapped)


def test_interpreter_release_refuses_genes_outside_its_gene_list(tmp_path: Path) -> None:
    document = {"release": "2025-02-07", "version": "1.3.0", "genes": ["KRAS"], "content": [ROW]}
    read = reader_for("moalmanac-interpreter").read(_write(tmp_path, document))
    problems = [str(p) for p in qc.run(read, name="kb.json")]
    assert problems == [
        "kb.json: record 1 (assertion_id 1): gene: expected a gene in 'genes', got 'BRAF'"
    ]
    # a file that is not the documented 2025-02-07 release is not held to its 1,007 records
    assert read.expected_records is None


def test_unknown_and_unavailable_sources_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="unknown knowledge-base source 'oncokb'"):
        reader_for("oncokb")
    monkeypatch.setitem(READERS, "nowhere", "oncoboard.knowledge.sources.nowhere:Reader")
    with pytest.raises(KnowledgeUnavailable, match=r"nowhere reader .* is not available"):
        reader_for("nowhere")


@pytest.mark.shared
def test_regulatory_statements_resolve_every_reference() -> None:
    folder = shared_file("kb", "moalmanac", "referenced")
    read = reader_for("moalmanac-regulatory").read(folder)
    # about.json last_updated 2026-05-07; len(json.load(gzip.open('statements.json.gz'))) -> 1944
    assert (read.release, read.records_read, read.expected_records) == ("2026-05-07", 1944, 1944)
    assert qc.run(read, name="referenced") == [] and read.dropped == []
    # SOURCE.md, by agency: FDA 686, EMA 509, Health Canada 380, HSE 347, HPRA 22
    agencies = Counter(a.references[0].citation.split(":")[0] for a in read.assertions)
    assert agencies == {"FDA": 686, "EMA": 509, "HC": 380, "HSE": 347, "HPRA": 22}
    assert {a.evidence_class for a in read.assertions} == {EvidenceClass.REGULATORY_APPROVAL}
    # statement 0 -> proposition 0: biomarkers 1 ("ER positive") and 2 ("HER2-negative"), both
    # present; therapy group 0 (abemaciclib + tamoxifen); disease 9; document doc:fda.verzenio
    first = _by_id(read)["moalmanac-reg:0"]
    assert first.rule.kind == "composite" and first.rule.operator == "and"
    assert [r.result for r in first.rule.rules] == ["Positive", "Negative"]  # type: ignore[attr-defined]
    assert first.therapy is not None and first.therapy.name == "Abemaciclib + Tamoxifen"
    assert first.disease.oncotree_code == "BRCA"
    assert (
        first.references[0].url is not None and "208716s010s011lbl.pdf" in first.references[0].url
    )
