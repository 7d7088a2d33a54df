# SPDX-License-Identifier: Apache-2.0
"""Each rule kind matched, not matched, or not evaluated with a reason; composites are tri-state."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest

from oncoboard.actionability.facts import PatientFacts
from oncoboard.actionability.matching import EngineOptions, evaluate
from oncoboard.knowledge import rules as r
from oncoboard.knowledge.rules import MatchLevel
from oncoboard.record.schemas import (
    Biomarker,
    CopyNumberChange,
    Fusion,
    Provenance,
    RecordedFact,
    SomaticVariant,
)

_ids = count(1)
PROV = Provenance(
    source_name="t.vcf",
    source_sha256="0" * 64,
    locator="line 9",
    importer="vcf",
    importer_version="1",
    import_id="i",
    imported_at=datetime(2026, 1, 1, tzinfo=UTC),
)


def fact(value: Any) -> RecordedFact:
    return RecordedFact(fact_id=next(_ids), fact=value, provenance=PROV)


def variant(
    gene: str, protein: str | None = None, consequence: str = "missense_variant", **extra: Any
) -> RecordedFact:
    return fact(
        SomaticVariant(
            genome_build="GRCh38", gene=gene, hgvs_p=protein, consequence=consequence, **extra
        )
    )


def patient(*facts: RecordedFact, builds: tuple[str, ...] = ("GRCh38",)) -> PatientFacts:
    kinds: dict[str, list[RecordedFact]] = {
        "variant": [],
        "copy_number": [],
        "fusion": [],
        "biomarker": [],
    }
    for f in facts:
        kinds[f.fact.kind].append(f)
    return PatientFacts(
        patient_id="PT",
        variants=tuple(kinds["variant"]),
        copy_numbers=tuple(kinds["copy_number"]),
        fusions=tuple(kinds["fusion"]),
        biomarkers=tuple(kinds["biomarker"]),
        genome_builds=frozenset(builds),
        tumor_types=(),
    )


BRAF = variant("BRAF", "p.V600E", chrom="chr7", pos=140753336, ref="A", alt="T")
KRAS = variant("KRAS", "p.G12D")
BRCA2 = variant("BRCA2", "p.Q1234*", consequence="stop_gained")
EGFR_DEL = variant("EGFR", "p.E746_A750del", consequence="inframe_deletion", exon=19)
SILENT = variant("TP53", "p.S45=", consequence="synonymous_variant")
PT = patient(
    BRAF,
    KRAS,
    BRCA2,
    EGFR_DEL,
    SILENT,
    fact(CopyNumberChange(genome_build="GRCh38", gene="ERBB2", change="amplification")),
    fact(CopyNumberChange(genome_build="GRCh38", gene="CDKN2A", change="shallow_deletion")),
    fact(Fusion(genome_build="GRCh38", gene_5p="EML4", gene_3p="ALK")),
    fact(Biomarker(name="TMB", value_number=12.5)),
    fact(Biomarker(name="MSI", value_text="MSI-H")),
    fact(Biomarker(name="HER2", value_text="3+ (positive)")),
    fact(Biomarker(name="NRAS, KIT", value_text="absent (pertinent negative)")),
)
OFF, ON = EngineOptions(), EngineOptions(gene_level=True)

CASES = {
    "protein-3-letter-rule": (
        r.ProteinRule(gene="BRAF", protein_change="p.Val600Glu"),
        "matched",
        MatchLevel.PROTEIN_CHANGE,
    ),
    "protein-other-change": (
        r.ProteinRule(gene="BRAF", protein_change="p.V600K"),
        "not_matched",
        None,
    ),
    "codon-any-change": (
        r.CodonRule(gene="KRAS", ref="G", position=12),
        "matched",
        MatchLevel.CODON,
    ),
    "codon-other-codon": (r.CodonRule(gene="KRAS", ref="G", position=13), "not_matched", None),
    "genomic-chr-prefix": (
        r.GenomicRule(genome_build="GRCh38", chrom="7", pos=140753336, ref="A", alt="T"),
        "matched",
        MatchLevel.EXACT_GENOMIC,
    ),
    "genomic-other-build": (
        r.GenomicRule(genome_build="GRCh37", chrom="7", pos=140453136, ref="A", alt="T"),
        "not_evaluated",
        None,
    ),
    "exon-19-deletion": (
        r.ExonRule(gene="EGFR", exon=19, change="deletion"),
        "matched",
        MatchLevel.EXON,
    ),
    "exon-20-insertion": (
        r.ExonRule(gene="EGFR", exon=20, change="insertion"),
        "not_matched",
        None,
    ),
    "loss-of-function": (
        r.LossOfFunctionRule(gene="BRCA2"),
        "matched",
        MatchLevel.GENE_LOSS_OF_FUNCTION,
    ),
    "missense-is-not-lof": (r.LossOfFunctionRule(gene="KRAS"), "not_matched", None),
    "gene-any-off-by-default": (r.GeneAnyRule(gene="KRAS"), "not_evaluated", None),
    "fusion-both-partners": (
        r.FusionRule(gene_5p="EML4", gene_3p="ALK"),
        "matched",
        MatchLevel.FUSION,
    ),
    "fusion-any-partner": (r.FusionRule(gene_3p="ALK"), "matched", MatchLevel.FUSION),
    "fusion-other-partner": (r.FusionRule(gene_5p="KIF5B", gene_3p="ALK"), "not_matched", None),
    "amplification": (
        r.CopyNumberRule(gene="ERBB2", direction="amplification"),
        "matched",
        MatchLevel.COPY_NUMBER,
    ),
    "shallow-loss-is-not-deletion": (
        r.CopyNumberRule(gene="CDKN2A", direction="deletion"),
        "not_matched",
        None,
    ),
    "tmb-threshold-met": (r.TmbRule(at_least=10), "matched", MatchLevel.SIGNATURE),
    "tmb-threshold-missed": (r.TmbRule(at_least=20), "not_matched", None),
    "msi-high": (r.MsiRule(), "matched", MatchLevel.SIGNATURE),
    "her2-3plus": (r.ExpressionRule(marker="HER2", result="3+"), "matched", MatchLevel.EXPRESSION),
    "wild-type-violated": (r.WildTypeRule(gene="KRAS"), "not_matched", None),
    # a silent TP53 call says nothing about whether TP53 was tested: absence is not evidence
    "wild-type-untested": (r.WildTypeRule(gene="TP53"), "not_evaluated", None),
    "wild-type-tested-negative": (r.WildTypeRule(gene="NRAS"), "matched", MatchLevel.WILD_TYPE),
    "unsupported": (
        r.UnsupportedRule(description="Knockdown", reason="no knockdown data model"),
        "not_evaluated",
        None,
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_rule_kinds(case: str) -> None:
    rule, status, level = CASES[case]
    result = evaluate(rule, PT, OFF)
    assert (result.status, result.level) == (status, level), result.reason
    assert result.reason
    assert bool(result.facts) == (status == "matched")


def test_gene_level_needs_the_opt_in_and_is_flagged_low_specificity() -> None:
    result = evaluate(r.GeneAnyRule(gene="KRAS"), PT, ON)
    assert result.matched and "low specificity" in (result.level or "")
    assert not evaluate(r.GeneAnyRule(gene="TP53"), PT, ON).matched  # synonymous only


@pytest.mark.parametrize(
    ("operator", "children", "status"),
    [
        ("and", [r.ProteinRule(gene="BRAF", protein_change="p.V600E"), r.MsiRule()], "matched"),
        (
            "and",
            [r.ProteinRule(gene="BRAF", protein_change="p.V600E"), r.WildTypeRule(gene="KRAS")],
            "not_matched",
        ),
        (
            "and",
            [
                r.ProteinRule(gene="BRAF", protein_change="p.V600E"),
                r.UnsupportedRule(description="x", reason="y"),
            ],
            "not_evaluated",
        ),
        (
            "or",
            [
                r.ProteinRule(gene="BRAF", protein_change="p.V600K"),
                r.UnsupportedRule(description="x", reason="y"),
            ],
            "not_evaluated",
        ),
        (
            "or",
            [
                r.ProteinRule(gene="BRAF", protein_change="p.V600K"),
                r.CodonRule(gene="KRAS", ref="G", position=12),
            ],
            "matched",
        ),
        ("not", [r.WildTypeRule(gene="KRAS")], "matched"),
        ("not", [r.UnsupportedRule(description="x", reason="y")], "not_evaluated"),
    ],
)
def test_composites_are_three_valued(operator: str, children: list[Any], status: str) -> None:
    rule = r.CompositeRule(operator=operator, rules=tuple(children))  # type: ignore[arg-type]
    assert evaluate(rule, PT, OFF).status == status


def test_missing_data_is_not_evaluated_never_absent() -> None:
    empty = patient()
    for rule in (
        r.ProteinRule(gene="BRAF", protein_change="p.V600E"),
        r.CopyNumberRule(gene="ERBB2", direction="amplification"),
        r.FusionRule(gene_3p="ALK"),
        r.TmbRule(at_least=10),
        r.MsiRule(),
    ):
        result = evaluate(rule, empty, OFF)
        assert result.status == "not_evaluated" and "no " in result.reason


def test_exon_rules_need_exon_numbers() -> None:
    no_exons = patient(variant("EGFR", "p.E746_A750del", consequence="inframe_deletion"))
    result = evaluate(r.ExonRule(gene="EGFR", exon=19, change="deletion"), no_exons, OFF)
    assert result.status == "not_evaluated" and "exon numbers" in result.reason


def test_wild_type_rests_on_the_negative_result_and_never_on_absence() -> None:
    negative = evaluate(r.WildTypeRule(gene="KIT"), PT, OFF)
    assert negative.matched and [f.fact.kind for f in negative.facts] == ["biomarker"]
    untested = evaluate(r.WildTypeRule(gene="EGFR"), patient(KRAS), OFF)
    assert untested.status == "not_evaluated"
    assert untested.reason.startswith("gene testing not recorded") and "EGFR" in untested.reason
    # a negative result does not outweigh a call that alters the gene
    contradicted = patient(
        variant("NRAS", "p.Q61K"), fact(Biomarker(name="NRAS", value_text="wild type"))
    )
    assert evaluate(r.WildTypeRule(gene="NRAS"), contradicted, OFF).status == "not_matched"
    # a fusion or an amplification alters the gene too ("ALK negative" for chemo-immunotherapy)
    fused = patient(
        fact(Fusion(genome_build="GRCh38", gene_5p="EML4", gene_3p="ALK")),
        fact(Biomarker(name="ALK", value_text="negative")),
    )
    assert evaluate(r.WildTypeRule(gene="ALK"), fused, OFF).status == "not_matched"


def test_not_rules_need_the_gene_tested() -> None:
    not_d816v = r.CompositeRule(
        operator="not", rules=(r.ProteinRule(gene="KIT", protein_change="p.D816V"),)
    )
    tested = evaluate(not_d816v, PT, OFF)  # KIT absent (pertinent negative)
    assert tested.matched and tested.level == MatchLevel.WILD_TYPE and tested.facts
    untested = patient(KRAS)
    result = evaluate(not_d816v, untested, OFF)
    assert result.status == "not_evaluated" and "gene testing not recorded" in result.reason
    not_bcr_abl = r.CompositeRule(
        operator="not", rules=(r.FusionRule(gene_5p="BCR", gene_3p="ABL1"),)
    )
    assert evaluate(not_bcr_abl, PT, OFF).status == "not_evaluated"  # fusions called, BCR untested
    stable = patient(fact(Biomarker(name="MSI", value_text="MSS (stable)")))
    not_msi = r.CompositeRule(operator="not", rules=(r.MsiRule(),))
    measured = evaluate(not_msi, stable, OFF)
    assert measured.matched and [f.fact.kind for f in measured.facts] == ["biomarker"]


def test_filtered_calls_are_set_aside_unless_included() -> None:
    failed = variant("BRAF", "p.V600E", filters="LowQual;strand_bias")
    passed = variant("KRAS", "p.G12D", filters="PASS")
    unfiltered = variant("NRAS", "p.Q61K")  # no FILTER applied
    facts = patient(failed, passed, unfiltered)
    default = facts.with_filtered(False)
    assert default.filtered == (failed,) and failed not in default.variants
    assert {passed, unfiltered} <= set(default.variants)
    rule = r.ProteinRule(gene="BRAF", protein_change="p.V600E")
    assert evaluate(rule, default, OFF).status == "not_matched"
    included = facts.with_filtered(True)
    assert included.filtered == (failed,) and included.filtered_included
    assert evaluate(rule, included, OFF).facts == (failed,)


def test_germline_rules_do_not_take_variants_of_unknown_origin() -> None:
    rule = r.LossOfFunctionRule(gene="BRCA2", origin="germline")
    unknown = patient(variant("BRCA2", "p.Q1234*", consequence="stop_gained", origin="unknown"))
    result = evaluate(rule, unknown, OFF)
    assert result.status == "not_evaluated"
    assert result.reason.startswith("germline status unknown") and "p.Q1234*" in result.reason
    somatic = patient(variant("BRCA2", "p.Q1234*", consequence="stop_gained", origin="somatic"))
    assert evaluate(rule, somatic, OFF).status == "not_matched"
    germline = patient(variant("BRCA2", "p.Q1234*", consequence="stop_gained", origin="germline"))
    assert evaluate(rule, germline, OFF).matched
    # a somatic rule still takes a call of unknown origin: it is in the tumour
    assert evaluate(r.LossOfFunctionRule(gene="BRCA2", origin="somatic"), unknown, OFF).matched
