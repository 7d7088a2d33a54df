# SPDX-License-Identifier: Apache-2.0
"""cBioPortal study import on cBioPortal's own test study (study_es_0) and malformed copies of it."""

from __future__ import annotations

import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.errors import InputError
from oncoboard.ingest.schemas import ParsedFact
from oncoboard.record.schemas import CopyNumberChange, Demographics, Fusion, SomaticVariant
from tests.support import import_file, read_file, row_counts, shared_file

pytestmark = pytest.mark.shared

EMPTY = {"patients": 0, "imports": 0, "facts": 0}


def _study() -> Path:
    return shared_file("interop", "cbioportal", "study_es_0")


def _at(facts: list[ParsedFact], locator: str) -> ParsedFact:
    found = [f for f in facts if f.locator == locator]
    assert len(found) == 1, f"{locator}: {len(found)} facts"
    return found[0]


def test_study_es_0_counts_match_the_files() -> None:
    facts, log = read_file(_study())
    assert not log.problems
    counts = Counter(f.fact.kind for f in facts)
    # 846 lines - 4 '#' rows - header = 841 patients; 850 - 5 = 845 samples (wc -l; the
    # interop notes' 842/846 count the header). Non-zero CNA values: awk '$4!=0' = 1,743
    # (1,491 x -1, 14 x -2, 189 x 1, 49 x 2). SV rows: 49 lines - header = 48; MAF rows: 36.
    assert counts == {
        "demographics": 841,
        "specimen": 845,
        "condition": 841,
        "variant": 36,
        "copy_number": 1743,
        "fusion": 48,
    }
    # cut -f2 data_clinical_samples.txt | sort -u: every sample's patient is in the patient file
    assert len({f.patient_key for f in facts}) == 841


def test_unimported_data_types_are_named_in_notes() -> None:
    _, log = read_file(_study())
    skipped = [n for n in log.notes if n.startswith("skipped meta_")]
    # ls meta_*.txt = 26; imported: study, cancer_type, 2 clinical, mutations, cna_discrete, SV
    assert len(skipped) == 19
    for name in (
        "meta_expression_median.txt",
        "meta_methylation_hm27.txt",
        "meta_cna_hg19_seg.txt",
    ):
        assert any(name in n for n in skipped), name
    assert any("GENESET_SCORE/GSVA-SCORE" in n for n in skipped)


def test_named_rows_become_the_right_facts() -> None:
    facts, _ = read_file(_study())
    # data_cna_discrete.txt line 842: ACAP3  TCGA-A7-A26F-01  -2
    deleted = _at(facts, "data_cna_discrete.txt:line 842")
    assert deleted.patient_key == "TCGA-A7-A26F"
    assert deleted.fact == CopyNumberChange(
        genome_build="GRCh37", gene="ACAP3", change="deep_deletion", sample_id="TCGA-A7-A26F-01"
    )
    # line 154: ACAP3  TCGA-A2-A04U-01  2
    assert _at(facts, "data_cna_discrete.txt:line 154").fact.change == "amplification"  # type: ignore[union-attr]
    # data_structural_variants.txt line 5: TCGA-A2-A04P-01 Site1 EML4, Site2 ALK, GRCh37
    fusion = _at(facts, "data_structural_variants.txt:line 5")
    assert fusion.patient_key == "TCGA-A2-A04P"
    assert isinstance(fusion.fact, Fusion)
    assert (fusion.fact.gene_5p, fusion.fact.gene_3p, fusion.fact.genome_build) == (
        "EML4",
        "ALK",
        "GRCh37",
    )
    # MAF line 15: BRCA1 17 41243581 TCGA-A1-A0SB-01 HGVSp p.Gln1323Ter, HGVSp_Short p.Q1323*
    brca1 = _at(facts, "data_mutations_extended.maf:line 15")
    assert brca1.patient_key == "TCGA-A1-A0SB"
    assert isinstance(brca1.fact, SomaticVariant)
    assert (brca1.fact.gene, brca1.fact.chrom, brca1.fact.pos) == ("BRCA1", "17", 41243581)
    assert brca1.fact.hgvs_p == "p.Q1323*"
    # data_clinical_patients.txt line 7: TCGA-A1-A0SK  1:DECEASED; line 580: TCGA-A1-A0SB 0:LIVING
    assert _at(facts, "data_clinical_patients.txt:line 7").fact == Demographics(
        deceased=True, identifiers=("TCGA-A1-A0SK",)
    )
    assert _at(facts, "data_clinical_patients.txt:line 580").fact.deceased is False  # type: ignore[union-attr]
    # grep TCGA-A1-A0SB data_clinical_samples.txt: two samples, -01 and -02
    specimens = {
        f.fact.specimen_id
        for f in facts
        if f.fact.kind == "specimen" and f.patient_key == "TCGA-A1-A0SB"
    }  # type: ignore[union-attr]
    assert specimens == {"TCGA-A1-A0SB-01", "TCGA-A1-A0SB-02"}


def test_cancer_type_falls_back_to_the_study_type() -> None:
    facts, log = read_file(_study())
    # head -5 data_clinical_samples.txt: PATIENT_ID SAMPLE_ID SUBTYPE, no CANCER_TYPE columns;
    # meta_study type_of_cancer: brca-es0; data_cancer_type.txt: brca-es0  Breast Invasive Carcinoma
    conditions = {f.fact for f in facts if f.fact.kind == "condition"}
    assert len(conditions) == 1
    condition = conditions.pop()
    assert (condition.code, condition.display) == ("brca-es0", "Breast Invasive Carcinoma")  # type: ignore[union-attr]
    assert condition.oncotree_code is None  # type: ignore[union-attr]
    assert any("type_of_cancer 'brca-es0'" in n for n in log.notes)


def test_import_is_quick_and_idempotent(engine: Engine) -> None:
    started = time.perf_counter()
    first = import_file(engine, _study())
    elapsed = time.perf_counter() - started
    second = import_file(engine, _study())
    assert first.status == "imported" and second.status == "unchanged"
    assert first.fact_counts["copy_number"] == 1743
    assert len(first.patients) == 841
    assert row_counts(engine) == {"patients": 841, "imports": 1, "facts": 4354}
    assert elapsed < 30, f"study import took {elapsed:.1f} s"


# --- small studies cut from study_es_0 into tmp_path -------------------------------------------

SAMPLES = ("TCGA-A2-A04P-01", "TCGA-A1-A0SK-01", "TCGA-A2-A04U-01")


def _cut(source: Path, target: Path, column: int, keep: set[str], *, header_rows: int) -> None:
    """Copy the first ``header_rows`` lines and the rows whose ``column`` is in ``keep``."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = [ln for ln in lines[header_rows:] if ln.split("\t")[column] in keep]
    target.write_text("".join(lines[:header_rows] + rows), encoding="utf-8")


def _mini_study(tmp_path: Path) -> Path:
    """Three samples of study_es_0 with their clinical, CNA, MAF and SV rows."""
    source, study = _study(), tmp_path / "mini_study"
    study.mkdir()
    for meta in ("study", "clinical_patients", "clinical_samples", "cancer_type", "cna_discrete",
                 "mutations_extended", "structural_variants"):  # fmt: skip
        shutil.copy(source / f"meta_{meta}.txt", study)
    shutil.copy(source / "data_cancer_type.txt", study)
    patients = {s[:12] for s in SAMPLES}
    _cut(
        source / "data_clinical_patients.txt",
        study / "data_clinical_patients.txt",
        0,
        patients,
        header_rows=5,
    )
    _cut(
        source / "data_clinical_samples.txt",
        study / "data_clinical_samples.txt",
        1,
        set(SAMPLES),
        header_rows=5,
    )
    _cut(
        source / "data_cna_discrete.txt",
        study / "data_cna_discrete.txt",
        2,
        set(SAMPLES),
        header_rows=1,
    )
    _cut(
        source / "data_mutations_extended.maf",
        study / "data_mutations_extended.maf",
        15,
        set(SAMPLES),
        header_rows=2,
    )
    _cut(source / "data_structural_variants.txt", study / "data_structural_variants.txt", 0, set(SAMPLES), header_rows=1)  # fmt: skip
    return study


def test_mini_study_reads_cleanly(tmp_path: Path) -> None:
    facts, log = read_file(_mini_study(tmp_path))
    assert not log.problems
    # awk over study_es_0 for the three samples: CNA != 0 only TCGA-A2-A04U-01 lines 154-160 (2),
    # MAF rows BRCA2 p.D191G (A04P) and p.R2659T (A0SK), SV lines 2-8, 11-13 and 39 (A04P)
    assert Counter(f.fact.kind for f in facts) == {
        "demographics": 3,
        "specimen": 3,
        "condition": 3,
        "copy_number": 7,
        "variant": 2,
        "fusion": 11,
    }


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, line: str) -> int:
    """Append a row; return its 1-based line number."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text + line + "\n", encoding="utf-8")
    return text.count("\n") + 1


def test_meta_naming_a_missing_data_file(engine: Engine, tmp_path: Path) -> None:
    study = _mini_study(tmp_path)
    (study / "data_cna_discrete.txt").unlink()
    # meta_cna_discrete.txt line 8: data_filename: data_cna_discrete.txt
    with pytest.raises(InputError, match=r"meta_cna_discrete.txt:line 8: data_filename"):
        import_file(engine, study)
    assert row_counts(engine) == EMPTY


def test_sample_file_without_patient_id(engine: Engine, tmp_path: Path) -> None:
    study = _mini_study(tmp_path)
    _replace(study / "data_clinical_samples.txt", "PATIENT_ID\tSAMPLE_ID", "PATIENT\tSAMPLE_ID")
    with pytest.raises(InputError, match=r"data_clinical_samples.txt:line 5: PATIENT_ID"):
        import_file(engine, study)
    assert row_counts(engine) == EMPTY


def test_copy_number_value_outside_the_gistic_calls(engine: Engine, tmp_path: Path) -> None:
    study = _mini_study(tmp_path)
    line = _append(study / "data_cna_discrete.txt", "ERBB2\t2064\tTCGA-A2-A04P-01\t3" + "\t" * 7)
    with pytest.raises(InputError, match=rf"data_cna_discrete.txt:line {line}: Value: .* got '3'"):
        import_file(engine, study)
    assert row_counts(engine) == EMPTY


def test_mutation_of_a_sample_the_clinical_file_lacks(engine: Engine, tmp_path: Path) -> None:
    study = _mini_study(tmp_path)
    maf = study / "data_mutations_extended.maf"
    row = maf.read_text(encoding="utf-8").splitlines()[2]
    line = _append(maf, row.replace("TCGA-A2-A04P-01", "TCGA-ZZ-0000-01", 1))
    with pytest.raises(
        InputError,
        match=rf"data_mutations_extended.maf:line {line}: Tumor_Sample_Barcode: .*'TCGA-ZZ-0000-01'",
    ):
        import_file(engine, study)
    assert row_counts(engine) == EMPTY


def test_wide_discrete_matrix(tmp_path: Path) -> None:
    study = _mini_study(tmp_path)
    _replace(study / "meta_cna_discrete.txt", "datatype: DISCRETE_LONG", "datatype: DISCRETE")
    (study / "data_cna_discrete.txt").write_text(
        "Hugo_Symbol\tEntrez_Gene_Id\tTCGA-A2-A04P-01\tTCGA-A1-A0SK-01\n"
        "ERBB2\t2064\t2\t0\n"
        "CDKN2A\t1029\t-2\tNA\n"
        "PTEN\t5728\t-1\t1\n",
        encoding="utf-8",
    )
    facts, log = read_file(study)
    assert not log.problems
    calls = {
        (f.fact.gene, f.fact.sample_id, f.fact.change, f.locator)  # type: ignore[union-attr]
        for f in facts
        if f.fact.kind == "copy_number"
    }
    assert calls == {
        (
            "ERBB2",
            "TCGA-A2-A04P-01",
            "amplification",
            "data_cna_discrete.txt:line 2 (TCGA-A2-A04P-01)",
        ),
        (
            "CDKN2A",
            "TCGA-A2-A04P-01",
            "deep_deletion",
            "data_cna_discrete.txt:line 3 (TCGA-A2-A04P-01)",
        ),
        (
            "PTEN",
            "TCGA-A2-A04P-01",
            "shallow_deletion",
            "data_cna_discrete.txt:line 4 (TCGA-A2-A04P-01)",
        ),
        ("PTEN", "TCGA-A1-A0SK-01", "gain", "data_cna_discrete.txt:line 4 (TCGA-A1-A0SK-01)"),
    }


def test_genome_build_comes_from_meta_study_or_the_option(tmp_path: Path) -> None:
    study = _mini_study(tmp_path)
    _replace(study / "meta_study.txt", "reference_genome: hg19\n", "")
    _, log = read_file(study)
    assert [p.field for p in log.problems] == ["reference_genome"]
    assert "--genome-build" in log.problems[0].expected
    facts, log = read_file(study, genome_build="GRCh37")
    assert not log.problems
    assert {f.fact.genome_build for f in facts if f.fact.kind == "copy_number"} == {"GRCh37"}  # type: ignore[union-attr]


def test_option_contradicting_meta_study_is_a_problem(tmp_path: Path) -> None:
    _, log = read_file(_mini_study(tmp_path), genome_build="GRCh38")
    # grep -n reference_genome meta_study.txt: line 10 says hg19 (GRCh37)
    assert (log.problems[0].locator, log.problems[0].field) == (
        "meta_study.txt:line 10",
        "reference_genome",
    )
    assert "GRCh38" in log.problems[0].expected
