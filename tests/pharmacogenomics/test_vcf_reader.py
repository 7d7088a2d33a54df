# SPDX-License-Identifier: Apache-2.0
"""Germline VCF → PGx calls: *2A heterozygous, compound heterozygotes, no-calls, filters,
gVCF blocks, and refusals (build, REF, samples), imported through the ingest service."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.errors import InputError
from oncoboard.ingest import service
from oncoboard.ingest.schemas import ImportOptions, ProblemLog, SourceFile
from oncoboard.pharmacogenomics import engine as pgx_engine
from oncoboard.pharmacogenomics.vcf_reader import PgxVcfReader
from oncoboard.record.schemas import PharmacogenomicResult
from oncoboard.store.db import unit_of_work
from tests.pharmacogenomics.vcfs import HEADER, germline_vcf
from tests.support import row_counts


def _read(path: Path, **options: object) -> tuple[dict[str, PharmacogenomicResult], ProblemLog]:
    source = SourceFile.from_path(path)
    log = ProblemLog(source=source.name)
    opts = ImportOptions(**{"patient": "PGX-1", **options})
    facts = {f.fact.gene: f.fact for f in PgxVcfReader().read(source, opts, log)}  # type: ignore[union-attr]
    return facts, log  # type: ignore[return-value]


def _phenotype(fact: PharmacogenomicResult) -> str:
    return pgx_engine.interpret(fact).phenotype


def test_dpyd_2a_heterozygous_called(tmp_path: Path) -> None:
    facts, log = _read(germline_vcf(tmp_path / "g.vcf", {"DPYD *2A": "0/1"}))
    assert not log.problems
    dpyd = facts["DPYD"]
    assert dpyd.diplotype == "Reference/c.1905+1G>A (*2A)"
    assert dpyd.not_called == ()
    result = pgx_engine.interpret(dpyd)
    assert (result.phenotype, result.activity_score) == ("Intermediate Metabolizer", 1.0)
    row = next(c for c in dpyd.calls if c["rsid"] == "rs3918290")
    assert row["genotype"] == "0/1" and row["status"] == "called"
    assert {g: _phenotype(f) for g, f in facts.items() if g != "DPYD"} == {
        "TPMT": "Normal Metabolizer",
        "NUDT15": "Normal Metabolizer",
        "UGT1A1": "Normal Metabolizer",
    }


def test_compound_heterozygote_is_a_poor_metabolizer(tmp_path: Path) -> None:
    facts, _ = _read(germline_vcf(tmp_path / "g.vcf", {"DPYD *2A": "0/1", "DPYD c.2846A>T": "1/0"}))
    result = pgx_engine.interpret(facts["DPYD"])
    assert (result.phenotype, result.activity_score) == ("Poor Metabolizer", 0.5)
    assert any("different strands" in n for n in facts["DPYD"].notes)


def test_phased_cis_variants_keep_one_normal_strand(tmp_path: Path) -> None:
    facts, _ = _read(germline_vcf(tmp_path / "g.vcf", {"DPYD *2A": "0|1", "DPYD c.2846A>T": "0|1"}))
    result = pgx_engine.interpret(facts["DPYD"])
    assert facts["DPYD"].phased
    assert (result.phenotype, result.activity_score) == ("Intermediate Metabolizer", 1.0)


def test_no_call_at_one_position_bounds_the_phenotype(tmp_path: Path) -> None:
    facts, _ = _read(germline_vcf(tmp_path / "g.vcf", {"DPYD *2A": "0/1", "DPYD *13": "./."}))
    dpyd = facts["DPYD"]
    assert dpyd.not_called == ("c.1679T>G (*13)",)
    result = pgx_engine.interpret(dpyd)
    assert result.phenotype == "Indeterminate"
    assert any("Poor Metabolizer (activity score 0)" in n for n in result.notes)


def test_absent_and_filtered_sites_are_not_reference(tmp_path: Path) -> None:
    path = germline_vcf(tmp_path / "g.vcf", skip=("UGT1A1 TA",), filters={"DPYD HapB3": "LowQual"})
    facts, _ = _read(path)
    assert facts["UGT1A1"].not_called == ("*28", "*36", "*37")
    assert pgx_engine.interpret(facts["UGT1A1"]).phenotype == "Indeterminate"
    hapb3 = next(c for c in facts["DPYD"].calls if c["rsid"] == "rs75017182")
    assert hapb3["status"] == "filtered"
    assert "c.1129-5923C>G" in facts["DPYD"].not_called
    # HapB3 uncalled could still make *1/*1 an intermediate metabolizer
    assert pgx_engine.interpret(facts["DPYD"]).phenotype == "Indeterminate"


def test_ugt1a1_28_only_from_the_ta_repeat_record(tmp_path: Path) -> None:
    facts, _ = _read(germline_vcf(tmp_path / "g.vcf", {"UGT1A1 TA": "1/1"}))
    assert facts["UGT1A1"].diplotype == "*28/*28"
    assert _phenotype(facts["UGT1A1"]) == "Poor Metabolizer"


def test_tpmt_double_heterozygote_is_3a_with_the_alternative_named(tmp_path: Path) -> None:
    facts, _ = _read(
        germline_vcf(tmp_path / "g.vcf", {"TPMT c.460G>A": "0/1", "TPMT c.719A>G": "0/1"})
    )
    assert facts["TPMT"].diplotype == "*1/*3A"
    assert any("*3B/*3C" in n for n in facts["TPMT"].notes)


def test_gvcf_reference_block_counts_as_reference(tmp_path: Path) -> None:
    path = germline_vcf(tmp_path / "g.vcf", {"DPYD *2A": "0/1"}, skip=("DPYD *13",))
    text = path.read_text().replace(
        "chr1\t97579893",
        "chr1\t97515700\t.\tA\t<NON_REF>\t.\tPASS\tEND=97515800\tGT\t0/0\nchr1\t97579893",
    )
    path.write_text(text)
    facts, _ = _read(path)
    assert facts["DPYD"].not_called == ()
    assert _phenotype(facts["DPYD"]) == "Intermediate Metabolizer"


@pytest.mark.parametrize(
    ("header", "options", "expected"),
    [
        (HEADER.replace("GRCh38", "GRCh37"), {}, "GRCh38: the CPIC allele definitions"),
        (HEADER.replace("##reference=GRCh38\n", ""), {}, "GRCh38, declared"),
    ],
)
def test_wrong_or_missing_build_is_refused(
    tmp_path: Path, header: str, options: dict[str, str], expected: str
) -> None:
    _, log = _read(germline_vcf(tmp_path / "g.vcf", header=header), **options)
    assert log.problems and expected in log.problems[0].expected


def test_ref_mismatch_and_bad_gt_are_located(tmp_path: Path) -> None:
    path = germline_vcf(tmp_path / "g.vcf", {"TPMT *2": "0/7"})
    path.write_text(path.read_text().replace("chr1\t97450058\t.\tC\tT", "chr1\t97450058\t.\tG\tT"))
    _, log = _read(path)
    where = {(p.field, p.locator) for p in log.problems}
    assert ("REF", "line 7") in where or any(p.field == "REF" for p in log.problems)
    assert any(p.field == "GT" and p.value == "0/7" for p in log.problems)


def test_import_is_transactional_and_idempotent(engine: Engine, tmp_path: Path) -> None:
    path = germline_vcf(tmp_path / "g.vcf", {"DPYD *2A": "0/1"})
    options = ImportOptions(patient="PGX-1", genome_build="GRCh38")
    with unit_of_work(engine) as session:
        report = service.import_source(
            session=session,
            source=SourceFile.from_path(path),
            options=options,
            source_format="pgx-vcf",
        )
    assert report.fact_counts == {"pgx": 4}
    with unit_of_work(engine) as session:
        again = service.import_source(
            session=session,
            source=SourceFile.from_path(path),
            options=options,
            source_format="pgx-vcf",
        )
    assert again.status == "unchanged"
    bad = germline_vcf(tmp_path / "bad.vcf", {"NUDT15 *3": "0/9"})
    before = row_counts(engine)
    with pytest.raises(InputError, match="problem"), unit_of_work(engine) as session:
        service.import_source(
            session=session,
            source=SourceFile.from_path(bad),
            options=options,
            source_format="pgx-vcf",
        )
    assert row_counts(engine) == before
