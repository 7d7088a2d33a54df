# SPDX-License-Identifier: Apache-2.0
"""CIViC importer: the real 2022 subset (v1 columns) and hand-written v2 rows (parse level)."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from oncoboard.knowledge import qc
from oncoboard.knowledge.reader import KbRead
from oncoboard.knowledge.rules import (
    CodonRule,
    CompositeRule,
    CopyNumberRule,
    ExonRule,
    ExpressionRule,
    FusionRule,
    GeneAnyRule,
    GenomicRule,
    LossOfFunctionRule,
    ProteinRule,
    UnsupportedRule,
)
from oncoboard.knowledge.schemas import Assertion, EvidenceClass
from oncoboard.knowledge.sources.civic import CivicReader
from tests.support import shared_file

SUBSET = ("kb", "civic", "civic_01-Dec-2022_predictive_parsed_subset.tsv.gz")

# ClinicalEvidenceSummaries v2 columns, ../shared/data/kb/civic/civic_v2_tsv_columns.tsv
V2_COLUMNS = [
    "molecular_profile",
    "molecular_profile_id",
    "disease",
    "doid",
    "phenotypes",
    "therapies",
    "therapy_interaction_type",
    "evidence_type",
    "evidence_direction",
    "evidence_level",
    "significance",
    "evidence_statement",
    "citation_id",
    "source_type",
    "asco_abstract_id",
    "citation",
    "nct_ids",
    "rating",
    "evidence_status",
    "evidence_id",
    "variant_origin",
    "last_review_date",
    "evidence_civic_url",
    "molecular_profile_civic_url",
    "is_flagged",
]
BASE = {
    "molecular_profile": "BRAF V600E",
    "molecular_profile_id": "12",
    "disease": "Melanoma",
    "doid": "1909",
    "therapies": "Vemurafenib",
    "evidence_type": "Predictive",
    "evidence_direction": "Supports",
    "evidence_level": "A",
    "significance": "Sensitivity/Response",
    "citation_id": "21639808",
    "source_type": "PubMed",
    "citation": "Chapman et al., 2011",
    "evidence_status": "accepted",
    "variant_origin": "Somatic",
    "last_review_date": "2024-03-01 10:00:00 UTC",
}


def write_v2(
    path: Path, *rows: dict[str, str], columns: tuple[str, ...] | list[str] = V2_COLUMNS
) -> Path:
    lines = ["\t".join(columns)]
    for number, row in enumerate(rows, start=1):
        values = {**BASE, "evidence_id": str(number), **row}
        lines.append("\t".join(values.get(column, "") for column in columns))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_v2(tmp_path: Path, *rows: dict[str, str]) -> KbRead:
    return CivicReader().read(
        write_v2(tmp_path / "01-Mar-2024-ClinicalEvidenceSummaries.tsv", *rows)
    )


def only(read: KbRead) -> Assertion:
    assert read.problems == [] and read.dropped == [], (read.problems, read.dropped)
    assert len(read.assertions) == 1
    return read.assertions[0]


def by_id(read: KbRead, assertion_id: str) -> Assertion:
    return next(a for a in read.assertions if a.assertion_id == assertion_id)


# --- the real 2022 subset (legacy v1 columns) ------------------------------------------


@pytest.fixture(scope="module")
def subset() -> KbRead:
    return CivicReader().read(shared_file(*SUBSET))


@pytest.mark.shared
def test_subset_counts_and_release(subset: KbRead) -> None:
    assert subset.problems == []
    assert (subset.release, subset.release_date, subset.licence) == (
        "01-Dec-2022",
        date(2022, 12, 1),
        "CC0-1.0",
    )
    # 1,429 distinct evidence ids (SOURCE.md); zcat … | awk -F'\t' 'NR>1{print $22}' | sort -u | wc -l
    published = {a.assertion_id.split(":")[1] for a in subset.assertions}
    assert len(published) + len(subset.dropped) == 1429
    # one assertion per EID, one per therapy for Substitutes, EIDs 1557 and 2116 dropped:
    # zcat … | awk -F'\t' 'NR>1 && $22!=1557 && $22!=2116 {k=$22; if ($9=="Substitutes")
    #   u[k SUBSEP $8]=1; else o[k]=1} END {n=0; for (x in u) n++; for (y in o) n++; print n}'
    assert len(subset.assertions) == 1681
    assert qc.run(subset, name="civic-subset") == []
    # the only coordinates used (rsID and c. names) are GRCh37
    assert subset.genome_build == "GRCh37"


@pytest.mark.shared
def test_subset_drops_are_located(subset: KbRead) -> None:
    reasons = {d.locator: d.reason for d in subset.dropped}
    # lines 666-667 (EID 1557, FLT3 D835H/Y): variant_bases "G/A"; line 883 (EID 2116): no drug
    assert reasons == {
        "lines 666, 667": "line 666: field variant_bases: allele 'G/A' outside ACGT-",
        "line 883": "line 883: field drugs empty",
    }


@pytest.mark.shared
def test_subset_braf_v600e_vemurafenib(subset: KbRead) -> None:
    # line 549: BRAF V600E, Vemurafenib, Melanoma (DOID 1909), B, Supports,
    # Sensitivity/Response, 24508103(PubMed), Somatic (BRIM-3, NCT01006980)
    item = by_id(subset, "civic:EID1398")
    assert item.rule == ProteinRule(gene="BRAF", protein_change="p.V600E", origin="somatic")
    assert item.therapy is not None and item.therapy.name == "Vemurafenib"
    assert (item.source_level, item.evidence_class) == (
        "B",
        EvidenceClass.CLINICAL_STRONG_OR_LIMITED,
    )
    assert (item.direction, item.supports) == ("sensitivity", True)
    assert item.disease.name == "Melanoma" and item.disease.codes == ("DOID:1909",)
    assert item.disease.oncotree_code is None
    assert [r.pmid for r in item.references] == ["24508103", None]
    assert item.references[1].nct == "NCT01006980"


@pytest.mark.shared
def test_subset_does_not_support(subset: KbRead) -> None:
    # line 556: EID 1405, BRAF V600E, Vemurafenib, colorectal, B, Does Not Support, Sensitivity/Response
    item = by_id(subset, "civic:EID1405")
    assert (item.direction, item.supports) == ("sensitivity", False)


@pytest.mark.shared
def test_subset_and_profile_and_exploded_rows(subset: KbRead) -> None:
    # line 403: EID 1095, MET "EXON 14 MUTATION AND AMPLIFICATION", crizotinib
    met = by_id(subset, "civic:EID1095").rule
    assert met == CompositeRule(
        operator="and",
        rules=(
            ExonRule(gene="MET", exon=14, change="mutation"),
            CopyNumberRule(gene="MET", direction="amplification"),
        ),
    )
    # lines 20-23: EID 35, KRAS G12/G13 × erlotinib/gefitinib, Substitutes, B, Resistance
    either = CompositeRule(
        operator="or",
        rules=(
            CodonRule(gene="KRAS", ref="G", position=12),
            CodonRule(gene="KRAS", ref="G", position=13),
        ),
    )
    for drug in ("erlotinib", "gefitinib"):
        item = by_id(subset, f"civic:EID35:{drug}")
        assert item.rule == either and item.direction == "resistance"
        assert item.therapy is not None and item.therapy.name.lower() == drug


@pytest.mark.shared
def test_subset_rsid_uses_row_coordinates(subset: KbRead) -> None:
    # zcat … | awk -F'\t' '$4=="RS4149056"': SLCO1B1, 12:21331549 T>C, GRCh37, Common Germline
    rules = [a.rule for a in subset.assertions if a.raw.get("variant") == "RS4149056"]
    assert rules and all(
        r
        == GenomicRule(
            genome_build="GRCh37",
            chrom="12",
            pos=21331549,
            ref="T",
            alt="C",
            gene="SLCO1B1",
            origin="germline",
        )
        for r in rules
    )


@pytest.mark.shared
def test_subset_allele_outside_acgt_is_dropped(tmp_path: Path) -> None:
    with gzip.open(shared_file(*SUBSET), "rt", encoding="utf-8") as handle:
        header, first = handle.readline(), handle.readline()
    fields = first.rstrip("\n").split("\t")
    fields[header.split("\t").index("variant_bases")] = "N"
    path = tmp_path / "subset.tsv"
    path.write_text(header + "\t".join(fields) + "\n", encoding="utf-8")
    read = CivicReader().read(path)
    assert read.assertions == []
    assert [(d.locator, d.reason) for d in read.dropped] == [
        ("line 2", "line 2: field variant_bases: allele 'N' outside ACGT-")
    ]


# --- hand-written v2 rows --------------------------------------------------------------


def test_v2_simple_row(tmp_path: Path) -> None:
    read = read_v2(
        tmp_path, {"therapies": "Dabrafenib, Trametinib", "therapy_interaction_type": "Combination"}
    )
    item = only(read)
    assert (read.release, read.release_date) == ("01-Mar-2024", date(2024, 3, 1))
    assert item.assertion_id == "civic:EID1"
    assert item.rule == ProteinRule(gene="BRAF", protein_change="p.V600E", origin="somatic")
    assert item.therapy is not None and item.therapy.name == "Dabrafenib + Trametinib"
    assert (item.source_level, item.evidence_class) == ("A", EvidenceClass.GUIDELINE_OR_APPROVAL)
    assert item.last_updated == date(2024, 3, 1)


@pytest.mark.parametrize(
    ("profile", "rule"),
    [
        ("KRAS G12", CodonRule(gene="KRAS", ref="G", position=12)),
        ("EGFR E746_A750del", ProteinRule(gene="EGFR", protein_change="p.E746_A750del")),
        ("EGFR Exon 19 Deletion", ExonRule(gene="EGFR", exon=19, change="deletion")),
        ("EGFR Exon 20 Insertion", ExonRule(gene="EGFR", exon=20, change="insertion")),
        ("MET Exon 14 Skipping Mutation", ExonRule(gene="MET", exon=14, change="skipping")),
        ("ERBB2 Amplification", CopyNumberRule(gene="ERBB2", direction="amplification")),
        ("CDKN2A Deletion", CopyNumberRule(gene="CDKN2A", direction="deletion")),
        ("CDKN2A Loss", CopyNumberRule(gene="CDKN2A", direction="deletion")),
        ("EML4::ALK Fusion", FusionRule(gene_5p="EML4", gene_3p="ALK")),
        ("ALK Fusions", FusionRule(gene_5p="ALK", gene_3p=None, ordered=False)),
        ("BRCA2 Loss-of-function", LossOfFunctionRule(gene="BRCA2", origin="somatic")),
        ("ATM Truncating Mutation", LossOfFunctionRule(gene="ATM", origin="somatic")),
        ("KRAS Mutation", GeneAnyRule(gene="KRAS")),
        ("ERBB2 Overexpression", ExpressionRule(marker="ERBB2", result="overexpression")),
        ("CD274 Expression", ExpressionRule(marker="CD274", result="expression")),
        (
            "EGFR L858R AND EGFR T790M",
            CompositeRule(
                operator="and",
                rules=(
                    ProteinRule(gene="EGFR", protein_change="p.L858R"),
                    ProteinRule(gene="EGFR", protein_change="p.T790M"),
                ),
            ),
        ),
        (
            # civic-docs, molecular_profiles/overview.rst
            "CD274 Expression AND NOT (EGFR Mutation OR ALK Fusion)",
            CompositeRule(
                operator="and",
                rules=(
                    ExpressionRule(marker="CD274", result="expression"),
                    CompositeRule(
                        operator="not",
                        rules=(
                            CompositeRule(
                                operator="or",
                                rules=(
                                    GeneAnyRule(gene="EGFR"),
                                    FusionRule(gene_5p="ALK", gene_3p=None, ordered=False),
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ],
)
def test_v2_profiles(tmp_path: Path, profile: str, rule: object) -> None:
    assert only(read_v2(tmp_path, {"molecular_profile": profile})).rule == rule


@pytest.mark.parametrize(
    ("profile", "reason"),
    [
        ("MYC Rearrangement AND BCL2 Rearrangement OR BCL6 Rearrangement", "AND and OR mixed"),
        ("EGFR L858R AND (EGFR T790M", "unbalanced parentheses"),
        ("EGFR L858R AND", "ends after an operator"),
        ("FLT3 ITD", "not recognised"),
    ],
)
def test_v2_unreadable_profiles_are_unsupported(tmp_path: Path, profile: str, reason: str) -> None:
    rule = only(read_v2(tmp_path, {"molecular_profile": profile})).rule
    # a whole-profile failure replaces the rule; a bad segment is one unsupported child
    children = rule.rules if isinstance(rule, CompositeRule) else (rule,)
    found = [r for r in children if isinstance(r, UnsupportedRule)]
    assert found and reason in found[0].reason


def test_v2_germline_origin_prognostic_and_substitutes(tmp_path: Path) -> None:
    read = read_v2(
        tmp_path,
        {"molecular_profile": "BRCA1 Loss-of-function", "variant_origin": "Rare Germline"},
        {"evidence_type": "Prognostic", "significance": "Poor Outcome", "therapies": ""},
        {
            "molecular_profile": "EGFR L858R",
            "therapies": "Erlotinib, Gefitinib",
            "therapy_interaction_type": "Substitutes",
        },
    )
    assert read.dropped == []
    assert by_id(read, "civic:EID1").rule == LossOfFunctionRule(gene="BRCA1", origin="germline")
    prognostic = by_id(read, "civic:EID2")
    assert (prognostic.direction, prognostic.therapy) == ("poor_prognosis", None)
    assert {a.assertion_id for a in read.assertions} >= {
        "civic:EID3:erlotinib",
        "civic:EID3:gefitinib",
    }


# --- bad input: each a located reason ----------------------------------------------------


def test_missing_column_refuses_release(tmp_path: Path) -> None:
    columns = [c for c in V2_COLUMNS if c != "evidence_level"]
    read = CivicReader().read(write_v2(tmp_path / "civic.tsv", {}, columns=columns))
    assert read.assertions == []
    [problem] = read.problems
    assert (problem.locator, problem.field, problem.value) == (
        "line 1 (header)",
        "columns",
        "evidence_level",
    )


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            {"evidence_level": "F"},
            "line 2: field evidence_level: unknown level 'F'; expected one of A, B, C, D, E",
        ),
        ({"disease": ""}, "line 2: field disease empty"),
        (
            {"molecular_profile": "braf V600E"},
            "line 2: field molecular_profile: gene symbol 'braf' is not in HGNC form",
        ),
        ({"evidence_type": "Diagnostic"}, "line 2: field evidence_type: 'Diagnostic' not imported"),
        ({"evidence_status": "submitted"}, "line 2: field evidence_status: 'submitted'"),
        ({"significance": "N/A"}, "line 2: field significance: 'N/A' has no direction"),
        ({"therapies": "A, B"}, "line 2: field therapy_interaction_type: '' with 2 therapies"),
        ({"citation_id": "abc"}, "line 2: field citation_id: PubMed id 'abc' is not a number"),
        ({"evidence_id": ""}, "line 2: field evidence_id empty"),
    ],
)
def test_bad_rows_are_dropped_with_located_reason(
    tmp_path: Path, row: dict[str, str], reason: str
) -> None:
    read = read_v2(tmp_path, row)
    assert read.assertions == [] and read.problems == []
    [dropped] = read.dropped
    assert dropped.locator == "line 2" and dropped.reason.startswith(reason)


def test_rows_of_one_item_must_agree(tmp_path: Path) -> None:
    read = read_v2(tmp_path, {"evidence_id": "7"}, {"evidence_id": "7", "evidence_level": "B"})
    [dropped] = read.dropped
    assert dropped.locator == "lines 2, 3"
    assert dropped.reason == (
        "line 3: field evidence_level: 'B' differs from line 2 of EID 7 ('A')"
    )


def test_empty_file_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "empty.tsv"
    path.write_text("", encoding="utf-8")
    assert CivicReader().read(path).problems[0].field == "columns"
