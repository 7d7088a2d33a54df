# SPDX-License-Identifier: Apache-2.0
"""CGI biomarkers importer: the real 2017 per-variant file and hand-written rows (parse level)."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncoboard.knowledge import qc
from oncoboard.knowledge.reader import KbRead
from oncoboard.knowledge.rules import (
    CompositeRule,
    CopyNumberRule,
    FusionRule,
    GeneAnyRule,
    GenomicRule,
    ProteinRule,
    UnsupportedRule,
    WildTypeRule,
)
from oncoboard.knowledge.schemas import Assertion, EvidenceClass
from oncoboard.knowledge.sources.cgi import CgiReader
from tests.support import shared_file

CGI_2017 = ("kb", "cgi", "cgi_biomarkers_per_variant.2017.tsv")
COLUMNS = (
    "Alteration",
    "Alteration type",
    "Assay type",
    "Association",
    "Biomarker",
    "Curator",
    "Drug",
    "Drug family",
    "Drug full name",
    "Drug status",
    "Evidence level",
    "Gene",
    "Metastatic Tumor Type",
    "Primary Tumor acronym",
    "Source",
    "Targeting",
    "gDNA",
    "cDNA",
    "individual_mutation",
    "info",
    "region",
    "strand",
    "transcript",
    "Primary Tumor type",
)
# line 256 of the 2017 file, trimmed to the columns the reader uses
BRAF = {
    "Alteration": "BRAF:V600E",
    "Alteration type": "MUT",
    "Association": "Responsive",
    "Biomarker": "BRAF (V600E)",
    "Drug": "Vemurafenib",
    "Drug family": "BRAF inhibitor",
    "Drug full name": "Vemurafenib (BRAF inhibitor)",
    "Evidence level": "FDA guidelines",
    "Gene": "BRAF",
    "Primary Tumor acronym": "CM",
    "Source": "FDA",
    "gDNA": "chr7:g.140453136A>T",
    "individual_mutation": "BRAF:V600E",
    "Primary Tumor type": "Cutaneous melanoma",
}
BRAF_RULE = CompositeRule(
    operator="or",
    rules=(
        GenomicRule(
            genome_build="GRCh37",
            chrom="7",
            pos=140453136,
            ref="A",
            alt="T",
            gene="BRAF",
            origin="any",
        ),
        ProteinRule(gene="BRAF", protein_change="p.V600E", origin="any"),
    ),
)


def write(path: Path, *rows: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> Path:
    lines = ["\t".join(columns)]
    lines += ["\t".join({**BRAF, **row}.get(column, "") for column in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read(tmp_path: Path, *rows: dict[str, str]) -> KbRead:
    return CgiReader().read(write(tmp_path / "cgi_biomarkers_per_variant.tsv", *rows))


def only(result: KbRead) -> Assertion:
    assert result.problems == [] and result.dropped == [], (result.problems, result.dropped)
    [assertion] = result.assertions
    return assertion


def at_line(result: KbRead, line: int) -> Assertion:
    return next(a for a in result.assertions if a.raw["source_line"] == line)


# --- the real 2017 file ------------------------------------------------------------------


@pytest.fixture(scope="module")
def cgi() -> KbRead:
    return CgiReader().read(shared_file(*CGI_2017))


@pytest.mark.shared
def test_counts_build_and_drops(cgi: KbRead) -> None:
    assert cgi.problems == []
    assert (cgi.release, cgi.genome_build, cgi.licence) == ("2017", "GRCh37", "CC0-1.0")
    # 1,442 data rows (SOURCE.md): wc -l → 1443 with the header
    assert cgi.records_read == 1442
    # combined levels, no crosswalk row: awk -F'\t' '$11 ~ /,/ {print NR}' → 725 862 883 893
    levels = sorted(int(d.locator.split()[1]) for d in cgi.dropped if "Evidence level" in d.reason)
    assert levels == [725, 862, 883, 893]
    # same claim twice: awk -F'\t' 'NR>1 {k=$1 FS $19 FS $7 FS $9 FS $14 FS $4 FS $15;
    #   if (k in s) d++; s[k]=1} END {print d}' → 12
    assert sum("duplicate of line" in d.reason for d in cgi.dropped) == 12
    assert len(cgi.dropped) == 16 and len(cgi.assertions) == 1442 - 16
    assert qc.run(cgi, name="cgi-2017") == []


@pytest.mark.shared
def test_braf_v600e_vemurafenib(cgi: KbRead) -> None:
    # line 256: BRAF:V600E Vemurafenib Responsive, FDA guidelines, CM, chr7:g.140453136A>T
    item = at_line(cgi, 256)
    assert item.rule == BRAF_RULE
    assert item.therapy is not None and item.therapy.name == "Vemurafenib"
    assert (item.source_level, item.evidence_class) == (
        "FDA guidelines",
        EvidenceClass.REGULATORY_APPROVAL,
    )
    assert (item.direction, item.supports) == ("sensitivity", True)
    assert (item.disease.name, item.disease.codes, item.disease.oncotree_code) == (
        "Cutaneous melanoma",
        ("cgi:CM",),
        None,
    )
    assert [r.citation for r in item.references] == ["FDA"]


@pytest.mark.shared
def test_multi_gene_and_wild_type_and_fusion(cgi: KbRead) -> None:
    # line 1262: MET:amp;ERBB2:amp (CNA;CNA), Crizotinib;Trastuzumab, Case report; 1263 repeats it
    both = at_line(cgi, 1262)
    assert both.rule == CompositeRule(
        operator="and",
        rules=(
            CopyNumberRule(gene="MET", direction="amplification"),
            CopyNumberRule(gene="ERBB2", direction="amplification"),
        ),
    )
    assert both.therapy is not None and both.therapy.name == "Crizotinib + Trastuzumab"
    assert any(
        d.locator == "line 1263" and "duplicate of line 1262" in d.reason for d in cgi.dropped
    )
    # line 652: KIT::wildtype:. Imatinib Resistant, Late trials
    kit = at_line(cgi, 652)
    assert kit.rule == WildTypeRule(gene="KIT")
    assert (kit.direction, kit.evidence_class) == ("resistance", EvidenceClass.CLINICAL_STRONG)
    # line 1039: ABL1__BCR (BCR::ABL1 written 3' first), Bosutinib, FDA guidelines
    assert at_line(cgi, 1039).rule == FusionRule(gene_5p="ABL1", gene_3p="BCR", ordered=False)


# --- hand-written rows -------------------------------------------------------------------


def test_kras_nras_wild_type_composite(tmp_path: Path) -> None:
    item = only(
        read(
            tmp_path,
            {
                "Alteration": "KRAS::wildtype:.;NRAS::wildtype:.",
                "Alteration type": "MUT;MUT",
                "Biomarker": "KRAS wildtype + NRAS wildtype",
                "Gene": "KRAS;NRAS",
                "Drug": "Cetuximab",
                "gDNA": "",
                "individual_mutation": "",
            },
        )
    )
    assert item.rule == CompositeRule(
        operator="and", rules=(WildTypeRule(gene="KRAS"), WildTypeRule(gene="NRAS"))
    )


@pytest.mark.parametrize(
    ("row", "rule"),
    [
        ({"Alteration": "KRAS:.", "Gene": "KRAS"}, GeneAnyRule(gene="KRAS", origin="any")),
        ({"Alteration": "KRAS:G12.", "Gene": "KRAS"}, "codon"),
        ({"Alteration": "KIT:550-592", "Gene": "KIT"}, "unsupported"),
        ({"Alteration": "PTEN:.", "Alteration type": "BIA", "Gene": "PTEN"}, "unsupported"),
        (
            {"Alteration": "ALK__.", "Alteration type": "FUS", "Gene": "ALK"},
            FusionRule(gene_5p="ALK", ordered=False),
        ),
    ],
)
def test_alteration_notation(tmp_path: Path, row: dict[str, str], rule: object) -> None:
    found = only(read(tmp_path, {"gDNA": "", "individual_mutation": "", **row})).rule
    assert found == rule if not isinstance(rule, str) else found.kind == rule
    if isinstance(found, UnsupportedRule):
        assert found.reason


def test_ids_are_stable_across_order_and_level_changes(tmp_path: Path) -> None:
    rows: tuple[dict[str, str], ...] = (
        {},
        {"Drug": "Dabrafenib", "Drug full name": "Dabrafenib (BRAF inhibitor)"},
    )
    first = {a.raw["Drug"]: a.assertion_id for a in read(tmp_path, *rows).assertions}
    again = {a.raw["Drug"]: a.assertion_id for a in read(tmp_path, *reversed(rows)).assertions}
    relevelled = read(tmp_path, {"Evidence level": "NCCN guidelines"}).assertions[0].assertion_id
    assert first == again and relevelled == first["Vemurafenib"]
    assert first["Vemurafenib"].startswith("cgi:") and len(first["Vemurafenib"]) == len("cgi:") + 16


# --- bad input: each a located reason ----------------------------------------------------


def test_missing_column_refuses_release(tmp_path: Path) -> None:
    columns = tuple(c for c in COLUMNS if c != "Evidence level")
    result = CgiReader().read(write(tmp_path / "cgi.tsv", {}, columns=columns))
    [problem] = result.problems
    assert (problem.locator, problem.value) == ("line 1 (header)", "Evidence level")
    assert result.assertions == []


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            {"Evidence level": "Anecdotal"},
            "line 2: field Evidence level: unknown level 'Anecdotal'",
        ),
        ({"gDNA": "chr7:g.140453136A>N"}, "line 2: field gDNA: allele 'N' outside ACGT-"),
        ({"Gene": "braf"}, "line 2: field Gene: gene symbol 'braf' is not in HGNC form"),
        (
            {"individual_mutation": "Braf:V600E"},
            "line 2: field individual_mutation: gene symbol 'Braf'",
        ),
        ({"Source": ""}, "line 2: field Source empty"),
        ({"Primary Tumor type": ""}, "line 2: field Primary Tumor type empty"),
        ({"Association": "Maybe"}, "line 2: field Association: 'Maybe'"),
    ],
)
def test_bad_rows_are_dropped_with_located_reason(
    tmp_path: Path, row: dict[str, str], reason: str
) -> None:
    result = read(tmp_path, row)
    assert result.assertions == [] and result.problems == []
    [dropped] = result.dropped
    assert dropped.locator == "line 2" and dropped.reason.startswith(reason)


def test_grch38_coordinate_refuses_grch37_release(tmp_path: Path) -> None:
    # BRAF V600E on GRCh38 is NC_000007.14:g.140753336A>T (GRCh37: NC_000007.13:g.140453136)
    result = read(tmp_path, {"gDNA": "NC_000007.14:g.140753336A>T"}, {"Drug": "Dabrafenib"})
    [problem] = result.problems
    assert (problem.locator, problem.field, problem.expected) == ("line 2", "gDNA", "GRCh37 only")
    assert "GRCh38" in problem.value
    assert result.rows_with_problems == {"line 2"}
    assert qc.run(result, name="cgi") != []


def test_grch37_accession_is_accepted(tmp_path: Path) -> None:
    rule = only(read(tmp_path, {"gDNA": "NC_000007.13:g.140453136A>T"})).rule
    assert rule == BRAF_RULE
