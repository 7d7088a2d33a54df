# SPDX-License-Identifier: Apache-2.0
"""MAF import on real TCGA and vcf2maf files, and MAF-specific bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.errors import InputError
from oncoboard.record.schemas import SomaticVariant
from tests.support import import_file, read_file, row_counts, shared_file

pytestmark = pytest.mark.shared


def test_tcga_laml_every_row_is_a_variant_of_its_participant() -> None:
    path = shared_file("interop", "maf", "maftools", "tcga_laml.maf.gz")
    facts, log = read_file(path)
    assert not log.problems
    # 2,207 data rows and 193 distinct samples (zcat | cut -f14 | sort -u)
    assert len(facts) == 2207
    assert len({f.patient_key for f in facts}) == 193
    dnmt3a = [f for f in facts if f.fact.gene == "DNMT3A" and f.patient_key == "TCGA-AB-2802"]
    variant = dnmt3a[0].fact
    assert isinstance(variant, SomaticVariant)
    # row: DNMT3A 37 2 25457243 G>A TCGA-AB-2802 p.R882C i_TumorVAF_WU 28.33
    assert (variant.genome_build, variant.chrom, variant.pos) == ("GRCh37", "2", 25457243)
    assert variant.hgvs_p == "p.R882C"
    assert variant.vaf == pytest.approx(0.2833)
    assert dnmt3a[0].locator.startswith("line ")


def test_vcf2maf_counts_give_vaf_and_depth() -> None:
    path = shared_file("interop", "maf", "vcf2maf", "test.maf")
    facts, log = read_file(path)
    assert not log.problems
    assert len(facts) == 20  # 22 non-empty lines: '#version', header, 20 rows
    mtor = facts[0].fact
    assert isinstance(mtor, SomaticVariant)
    # MTOR row: t_depth 20, t_ref_count 10, t_alt_count 10
    assert (mtor.gene, mtor.depth, mtor.alt_depth, mtor.vaf) == ("MTOR", 20, 10, 0.5)
    assert facts[0].locator == "line 3"


def test_import_is_idempotent(engine: Engine) -> None:
    path = shared_file("interop", "maf", "vcf2maf", "test.maf")
    first = import_file(engine, path)
    second = import_file(engine, path)
    assert first.status == "imported" and first.fact_counts == {"variant": 20}
    assert second.status == "unchanged" and second.import_id == first.import_id
    assert row_counts(engine)["facts"] == 20


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\tTumor_Sample_Barcode"

BAD_MAFS = {
    "missing-required-column": (
        "Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\nBRAF\t7\t1\tA\tT\n",
        "Tumor_Sample_Barcode",
    ),
    "start-not-integer": (f"{HEADER}\nBRAF\tGRCh37\t7\tabc\tA\tT\tS1\n", "Start_Position"),
    "bad-allele-alphabet": (f"{HEADER}\nBRAF\tGRCh37\t7\t100\tAZ\tT\tS1\n", "Reference_Allele"),
    "unknown-build": (f"{HEADER}\nBRAF\thg17\t7\t100\tA\tT\tS1\n", "NCBI_Build"),
}


@pytest.mark.parametrize("case", BAD_MAFS, ids=list(BAD_MAFS))
def test_bad_maf_is_refused_and_nothing_is_written(
    engine: Engine, tmp_path: Path, case: str
) -> None:
    text, field = BAD_MAFS[case]
    path = _write(tmp_path, f"{case}.maf", text)
    with pytest.raises(InputError, match=field):
        import_file(engine, path)
    assert row_counts(engine) == {"patients": 0, "imports": 0, "facts": 0}


def test_maf_without_build_needs_the_option(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "nobuild.maf",
        "Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n"
        "BRAF\t7\t140453136\tA\tT\tS1\n",
    )
    _, log = read_file(path)
    assert [p.field for p in log.problems] == ["NCBI_Build"]
    assert "--genome-build" in log.problems[0].expected
    facts, log = read_file(path, genome_build="GRCh37")
    assert not log.problems and facts[0].fact.genome_build == "GRCh37"
