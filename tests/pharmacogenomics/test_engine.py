# SPDX-License-Identifier: Apache-2.0
"""CPIC examples: every phenotype class per gene, from diplotypes to guidance.

Expected phenotypes are CPIC's: DPYD activity scores and phenotypes from the CPIC DPYD guideline
(Amstutz 2018, Table 1/2: *2A and *13 activity value 0, c.2846A>T and HapB3 0.5; score 2 normal,
1-1.5 intermediate, 0-0.5 poor); TPMT/NUDT15 from the CPIC thiopurine guideline (Relling 2019,
Table 1); UGT1A1 from the CPIC atazanavir guideline (*28/*28 and *6/*6 poor).
"""

from __future__ import annotations

import pytest

from oncoboard.errors import InputError
from oncoboard.pharmacogenomics import engine, guidance
from oncoboard.pharmacogenomics.schemas import GeneResult
from oncoboard.pharmacogenomics.tables import guidance as guidance_tables
from oncoboard.record.schemas import PharmacogenomicResult

CASES = [
    ("DPYD", "*1/*1", "Normal Metabolizer", 2.0),
    ("DPYD", "Reference/c.2846A>T", "Intermediate Metabolizer", 1.5),
    ("DPYD", "*1/HapB3", "Intermediate Metabolizer", 1.5),
    ("DPYD", "*1/*2A", "Intermediate Metabolizer", 1.0),
    ("DPYD", "c.2846A>T/c.2846A>T", "Intermediate Metabolizer", 1.0),
    ("DPYD", "*2A/c.2846A>T", "Poor Metabolizer", 0.5),
    ("DPYD", "*2A/*13", "Poor Metabolizer", 0.0),
    ("DPYD", "rs3918290/rs3918290", "Poor Metabolizer", 0.0),
    ("TPMT", "*1/*1", "Normal Metabolizer", None),
    ("TPMT", "*1/*3A", "Intermediate Metabolizer", None),
    ("TPMT", "*3A/*8", "Possible Intermediate Metabolizer", None),
    ("TPMT", "*3A/*3C", "Poor Metabolizer", None),
    ("TPMT", "*1/*8", "Indeterminate", None),
    ("NUDT15", "*1/*1", "Normal Metabolizer", None),
    ("NUDT15", "*1/*3", "Intermediate Metabolizer", None),
    ("NUDT15", "*3/*4", "Possible Intermediate Metabolizer", None),
    ("NUDT15", "*3/*3", "Poor Metabolizer", None),
    ("UGT1A1", "*1/*1", "Normal Metabolizer", None),
    ("UGT1A1", "*1/*28", "Intermediate Metabolizer", None),
    ("UGT1A1", "*28/*28", "Poor Metabolizer", None),
    ("UGT1A1", "*6/*28", "Poor Metabolizer", None),
]


def _result(gene: str, diplotype: str, **extra: object) -> GeneResult:
    return engine.interpret(PharmacogenomicResult(gene=gene, diplotype=diplotype, **extra))


@pytest.mark.parametrize(("gene", "diplotype", "phenotype", "score"), CASES)
def test_cpic_phenotype_classes(
    gene: str, diplotype: str, phenotype: str, score: float | None
) -> None:
    result = _result(gene, diplotype)
    assert result.phenotype == phenotype
    assert result.activity_score == score
    assert result.table_version and "CPIC" in result.table_version
    assert result.guideline and "PMID" in result.guideline


def test_dpyd_intermediate_capecitabine_halves_the_starting_dose() -> None:
    advice = guidance.advise(
        "capecitabine", "fluoropyrimidine", {"DPYD": _result("DPYD", "*1/*2A")}
    )
    assert (advice.action, advice.percent, advice.rule_id) == ("reduce", (50, 50), "DPYD-AS1")
    assert "titrate" in advice.text
    assert any("29152729" in c for c in advice.citations)
    assert advice.guidance_version.startswith("oncoboard-pgx-guidance")


@pytest.mark.parametrize(
    ("diplotype", "action"), [("*2A/*13", "avoid"), ("*2A/HapB3", "avoid"), ("*1/*1", "standard")]
)
def test_dpyd_poor_and_normal(diplotype: str, action: str) -> None:
    advice = guidance.advise(
        "fluorouracil", "fluoropyrimidine", {"DPYD": _result("DPYD", diplotype)}
    )
    assert advice.action == action
    if action == "avoid":
        assert advice.percent is None and "avoid" in advice.text.lower()


def test_tpmt_and_nudt15_both_decreased_need_the_larger_reduction() -> None:
    results = {"TPMT": _result("TPMT", "*1/*3A"), "NUDT15": _result("NUDT15", "*1/*3")}
    advice = guidance.advise("mercaptopurine", "thiopurine", results)
    assert (advice.rule_id, advice.percent) == ("THIO-IM-IM", (20, 50))
    one = guidance.advise(
        "mercaptopurine", "thiopurine", {**results, "NUDT15": _result("NUDT15", "*1/*1")}
    )
    assert (one.rule_id, one.percent) == ("THIO-TPMT-IM", (30, 80))


def test_one_gene_untested_is_said_not_assumed() -> None:
    results = {"TPMT": _result("TPMT", "*1/*3A"), "NUDT15": engine.not_tested("NUDT15")}
    advice = guidance.advise("azathioprine", "thiopurine", results)
    assert advice.rule_id == "THIO-TPMT-IM-AZA"
    assert any("NUDT15 is not tested" in w for w in advice.warnings)


def test_unknown_genotype_gives_the_label_testing_recommendation() -> None:
    advice = guidance.advise(
        "capecitabine", "fluoropyrimidine", {"DPYD": engine.not_tested("DPYD")}
    )
    assert advice.action == "test"
    assert "test patients for genetic variants of DPYD" in advice.text
    assert any("XELODA" in c for c in advice.citations)


def test_irinotecan_is_provisional() -> None:
    advice = guidance.advise("irinotecan", "irinotecan", {"UGT1A1": _result("UGT1A1", "*28/*28")})
    assert advice.provisional and advice.action == "reduce"
    assert any("provisional" in w for w in advice.warnings)


def test_lab_phenotype_disagreeing_with_cpic_is_flagged() -> None:
    result = _result("DPYD", "*1/*2A", reported_phenotype="Normal metaboliser")
    assert any("review before use" in n for n in result.notes)


@pytest.mark.parametrize(
    ("gene", "diplotype", "expected"),
    [
        ("DPYD", "*1*2A", "written allele/allele"),
        ("DPYD", "*1/*99", r"\*99 is not one"),
        ("DPYD", "*3A/*1", r"\*3A is not one"),  # a TPMT allele on a DPYD row
        ("TPMT", "", "written allele/allele"),
    ],
)
def test_bad_diplotypes_are_refused_with_location(gene: str, diplotype: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected) as caught:
        engine.check_diplotype(gene, diplotype, source="lab.csv", locator="line 7")
    assert caught.value.problems[0].locator == "line 7"


def test_cyp2d6_lab_call_is_kept_and_explained() -> None:
    result = engine.interpret(
        PharmacogenomicResult(
            gene="CYP2D6", diplotype="*4/*4", reported_phenotype="Poor Metabolizer"
        )
    )
    assert result.status == "no_table" and result.phenotype == "Poor Metabolizer"
    assert any("structural variants" in n for n in result.notes)


def test_drug_matching_by_name_brand_and_rxnorm() -> None:
    assert guidance.find_drug("Xeloda 500 MG Oral Tablet") == ("fluoropyrimidine", "capecitabine")
    assert guidance.find_drug("Fluorouracil 50 MG/ML Injectable Solution") == (
        "fluoropyrimidine",
        "fluorouracil",
    )
    assert guidance.find_drug(rxnorm="194000") == ("fluoropyrimidine", "capecitabine")
    assert guidance.find_drug("oxaliplatin 5 MG/ML") is None
    assert guidance.find_drug("fluorouracilx") is None


@pytest.mark.parametrize("drug", ["mercaptopurine", "azathioprine", "thioguanine"])
def test_both_genes_intermediate_is_the_verified_cpic_2024_row_for_every_thiopurine(
    drug: str,
) -> None:
    """CPIC March 2024 update (cpicpgx.org thiopurine page; PMID 38230823): TPMT IM + NUDT15 IM
    start at 20-50 % of the normal dose for all thiopurines - read in source (2026-12-06)."""
    results = {"TPMT": _result("TPMT", "*1/*3A"), "NUDT15": _result("NUDT15", "*1/*3")}
    advice = guidance.advise(drug, "thiopurine", results)
    assert (advice.rule_id, advice.percent, advice.verification) == (
        "THIO-IM-IM",
        (20, 50),
        "seen_in_source",
    )


# CPIC recommendation data v1.10 (PharmCAT 0547340, drugs.json), read 2026-12-06: one gene
# intermediate (or possible intermediate) -> azathioprine 30-80 % (Strong), thioguanine 50-80 %
# (Moderate), mercaptopurine 30-80 % (Strong, CPIC 2018 Table 3).
SINGLE_GENE_IM = [
    ("azathioprine", "TPMT", "THIO-TPMT-IM-AZA", (30, 80), "Strong"),
    ("azathioprine", "NUDT15", "THIO-NUDT15-IM-AZA", (30, 80), "Strong"),
    ("thioguanine", "TPMT", "THIO-TPMT-IM-TG", (50, 80), "Moderate"),
    ("thioguanine", "NUDT15", "THIO-NUDT15-IM-TG", (50, 80), "Moderate"),
    ("mercaptopurine", "TPMT", "THIO-TPMT-IM", (30, 80), "Strong"),
    ("mercaptopurine", "NUDT15", "THIO-NUDT15-IM", (30, 80), "Strong"),
]


@pytest.mark.parametrize(("drug", "gene", "rule_id", "percent", "strength"), SINGLE_GENE_IM)
def test_single_gene_intermediate_rows_are_the_verified_cpic_values(
    drug: str, gene: str, rule_id: str, percent: tuple[int, int], strength: str
) -> None:
    diplotypes = {"TPMT": ("*1/*3A", "*1/*1"), "NUDT15": ("*1/*3", "*1/*1")}
    other = "NUDT15" if gene == "TPMT" else "TPMT"
    results = {
        gene: _result(gene, diplotypes[gene][0]),
        other: _result(other, diplotypes[other][1]),
    }
    advice = guidance.advise(drug, "thiopurine", results)
    assert (advice.rule_id, advice.percent, advice.verification) == (
        rule_id,
        percent,
        "seen_in_source",
    )
    rule = next(r for r in guidance_tables().drugs["thiopurine"].rules if r.id == rule_id)
    assert rule.strength == strength
    if drug != "mercaptopurine":  # the rows taken from CPIC data v1.10 say what they predate
        assert "2025-2026 update" in advice.text
        assert any("v1.10" in c for c in advice.citations)


def test_irinotecan_rows_follow_the_dpwg_guideline_and_stay_provisional_for_cpic() -> None:
    """DPWG 2022 (PMID 36443464, abstract read): poor metabolisers start at 70 % of the normal
    dose, intermediate metabolisers without reduction, genotyping essential before irinotecan.
    There is still no CPIC irinotecan guideline, so the group stays provisional."""
    poor = guidance.advise("irinotecan", "irinotecan", {"UGT1A1": _result("UGT1A1", "*28/*28")})
    assert (poor.rule_id, poor.action, poor.verification, poor.provisional) == (
        "IRI-PM",
        "reduce",
        "seen_in_source",
        True,
    )
    assert poor.percent == (70, 70)
    assert "70 %" in poor.text and "neutrophil" in poor.text and "PROVISIONAL" in poor.text
    assert any("36443464" in c for c in poor.citations)
    middle = guidance.advise("irinotecan", "irinotecan", {"UGT1A1": _result("UGT1A1", "*1/*28")})
    assert (middle.rule_id, middle.action, middle.verification) == (
        "IRI-IM",
        "standard",
        "seen_in_source",
    )
    unknown = guidance.advise("irinotecan", "irinotecan", {"UGT1A1": engine.not_tested("UGT1A1")})
    assert unknown.action == "test" and "essential" in unknown.text


@pytest.mark.parametrize("drug", ["mercaptopurine", "azathioprine", "thioguanine"])
def test_tpmt_poor_row_is_verified_for_every_thiopurine(drug: str) -> None:
    """CPIC data v1.10: TPMT poor (NUDT15 normal) - malignancy: daily dose reduced 10-fold, three
    times a week; non-malignant: an alternative agent; 4-6 weeks to steady state."""
    results = {"TPMT": _result("TPMT", "*3A/*3C"), "NUDT15": _result("NUDT15", "*1/*1")}
    advice = guidance.advise(drug, "thiopurine", results)
    assert (advice.rule_id, advice.action, advice.verification) == (
        "THIO-PM",
        "avoid",
        "seen_in_source",
    )
    assert "10-fold" in advice.text and "4-6 weeks" in advice.text
