# SPDX-License-Identifier: Apache-2.0
"""VCF import on real annotated files (VEP 105/81/76, SnpEff ANN and EFF) and real caller output.

Every expected value was read from the file with the shell command in the comment beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.errors import InputError
from oncoboard.ingest.schemas import ParsedFact
from oncoboard.record.schemas import SomaticVariant
from tests.support import import_file, read_file, row_counts, shared_file

pytestmark = pytest.mark.shared

HCC1395 = ("interop", "vcf", "vep", "HCC1395.pvacseq_example.vep105.annotated.expression.vcf.gz")
# zcat $F | grep -c '^#'  -> 3552 header lines, so data line k is file line 3552 + k
HEADER_LINES = 3552


def _variant(parsed: ParsedFact) -> SomaticVariant:
    assert isinstance(parsed.fact, SomaticVariant)
    return parsed.fact


def _at(facts: list[ParsedFact], line: int) -> list[SomaticVariant]:
    return [_variant(f) for f in facts if f.locator == f"line {line}"]


@pytest.fixture(scope="module")
def hcc1395() -> list[ParsedFact]:
    facts, log = read_file(shared_file(*HCC1395))
    assert not log.problems and not log.notes
    return facts


def test_hcc1395_every_record_is_a_variant_of_the_tumour(hcc1395: list[ParsedFact]) -> None:
    # zcat $F | grep -v '^#' | wc -l -> 1470; no ALT holds a ',' (awk '$5 ~ /,/' is empty)
    assert len(hcc1395) == 1470
    # ##tumor_sample=HCC1395_TUMOR_DNA; ##reference=…/human_GRCh38_ens105/…; VEP assembly="GRCh38.p13"
    assert {f.patient_key for f in hcc1395} == {"HCC1395_TUMOR_DNA"}
    assert {_variant(f).genome_build for f in hcc1395} == {"GRCh38"}
    assert hcc1395[0].locator == f"line {HEADER_LINES + 1}"
    # zcat $F | grep -v '^#' | awk '$7=="PASS"' | wc -l -> 1264; the rest keep caller filters
    filters = [_variant(f).filters for f in hcc1395]
    assert filters.count("PASS") == 1264
    assert filters[0] == "MAPQ0;SOMATIC_LLR"  # first record: FILTER MAPQ0;SOMATIC_LLR


def test_hcc1395_tp53_r175h_pick_transcript_and_vaf_from_ad(hcc1395: list[ParsedFact]) -> None:
    # data line 1138: chr17 7675088 C>T; PICK=1 block: TP53 ENST00000269305.9 c.524G>A
    # ENSP00000269305.4:p.Arg175His, MANE NM_000546.6; tumour AD 1,87 -> VAF 87/88
    (tp53,) = _at(hcc1395, HEADER_LINES + 1138)
    assert (tp53.chrom, tp53.pos, tp53.ref, tp53.alt) == ("chr17", 7675088, "C", "T")
    assert (tp53.gene, tp53.transcript) == ("TP53", "ENST00000269305.9")
    assert tp53.hgvs_c == "c.524G>A"
    assert tp53.hgvs_p == "p.R175H"
    assert tp53.hgvs_p_raw == "ENSP00000269305.4:p.Arg175His"
    assert tp53.transcript_policy == "VEP CSQ PICK"
    assert (tp53.alt_depth, tp53.depth) == (87, 88)
    assert tp53.vaf == pytest.approx(87 / 88)
    # sed -n 1138p | grep -o 'CSQ=[^;]*' | tr ',' '\n' | wc -l -> 26 blocks: 25 others;
    # block 8: ENST00000504290.5 c.128G>A ENSP00000484409.1:p.Arg43His
    assert len(tp53.other_transcripts) == 25
    assert tp53.other_transcripts[6] == {
        "transcript": "ENST00000504290.5",
        "gene": "TP53",
        "consequence": "missense_variant",
        "hgvs_c": "c.128G>A",
        "hgvs_p": "p.R43H",
    }


def test_hcc1395_pick_wins_over_an_earlier_canonical_block(hcc1395: list[ParsedFact]) -> None:
    # data line 12: chr1 16972418 C>G, 11 CSQ blocks; block 2 is MFAP2 ENST00000375535.4 with
    # CANONICAL=YES; block 3 is CROCC ENST00000375541.10 with PICK=1 (p.Ser2009Cys); AD 1,84
    (crocc,) = _at(hcc1395, HEADER_LINES + 12)
    assert (crocc.gene, crocc.transcript, crocc.hgvs_p) == (
        "CROCC",
        "ENST00000375541.10",
        "p.S2009C",
    )
    assert crocc.transcript_policy == "VEP CSQ PICK"
    assert len(crocc.other_transcripts) == 10
    assert crocc.other_transcripts[1] == {
        "transcript": "ENST00000375535.4",
        "gene": "MFAP2",
        "consequence": "downstream_gene_variant",
    }
    assert crocc.vaf == pytest.approx(84 / 85)


def test_hcc1395_deletion_matches_csq_allele_dash(hcc1395: list[ParsedFact]) -> None:
    # data line 34: chr1 45051304 GT>G; CSQ Allele '-' (VEP drops the shared first base);
    # ZSWIM5 intron_variant; tumour AD 31,22 -> VAF 22/53
    (deletion,) = _at(hcc1395, HEADER_LINES + 34)
    assert (deletion.ref, deletion.alt, deletion.gene) == ("GT", "G", "ZSWIM5")
    assert deletion.consequence == "intron_variant"
    assert (deletion.alt_depth, deletion.depth) == (22, 53)
    # 143 records have CSQ Allele != ALT (interop-notes §3.2 item 2): every one still matched
    assert all(_variant(f).transcript_policy for f in hcc1395)


def test_hcc1395_multi_valued_consequences_are_comma_joined(hcc1395: list[ParsedFact]) -> None:
    # data line 1, block 2: intron_variant&non_coding_transcript_variant (ENST00000455207.5)
    (first,) = _at(hcc1395, HEADER_LINES + 1)
    assert (first.gene, first.hgvs_p) == ("OR4F29", "p.E11*")  # p.Glu11Ter, PICK block
    assert first.other_transcripts[0]["consequence"] == (
        "intron_variant,non_coding_transcript_variant"
    )


def test_hcc1395_import_stores_every_variant_once(engine: Engine) -> None:
    report = import_file(engine, shared_file(*HCC1395))
    assert report.fact_counts == {"variant": 1470}
    assert report.patients == ["HCC1395_TUMOR_DNA"]
    assert row_counts(engine)["facts"] == 1470


# --- SnpEff ANN: no ##fileformat, a stray log line, -cancer alleles, sites-only files ----------


def test_snpeff_cancer_file_is_sanitised_and_needs_the_tumour_named() -> None:
    path = shared_file("interop", "vcf", "snpeff", "cancer.ann.vcf")
    _, log = read_file(path)
    (problem,) = log.problems
    assert problem.expected.startswith("--tumor-sample")
    assert "Patient_01_Germline, Patient_01_Somatic" in problem.value
    facts, log = read_file(path, tumor_sample="Patient_01_Somatic")
    assert not log.problems
    (note,) = log.notes
    assert "##fileformat=VCFv4.2" in note and "dropped 1 line" in note and "00:00:39.673" in note
    # line 8: 1 69091 A>C,G; ANN: G|start_lost|p.Met1?, G-C|start_lost|p.Leu1?,
    # C|initiator_codon_variant|p.Met1?; SnpEffCmd genome GRCh37.75
    c, g = (_variant(f) for f in facts)
    assert all(f.locator == "line 8" for f in facts)
    assert (c.alt, c.consequence, c.hgvs_p, c.genome_build) == (
        "C",
        "initiator_codon_variant",
        "p.M1?",
        "GRCh37",
    )
    assert (g.alt, g.consequence, g.hgvs_c) == ("G", "start_lost", "c.1A>G")
    assert [o.get("hgvs_p") for o in g.other_transcripts] == ["p.L1?"]  # the G-C entry


def test_snpeff_pedigree_names_the_tumour_but_not_the_build() -> None:
    path = shared_file("interop", "vcf", "snpeff", "cancer_pedigree.ann.vcf")
    _, log = read_file(path)
    # SnpEffCmd genome is "testHg3775Chr1": not a build we may assume
    assert [p.field for p in log.problems] == ["genome build"]
    assert "--genome-build" in log.problems[0].expected
    facts, log = read_file(path, genome_build="GRCh37")
    assert not log.problems
    # grep -v '^#' | cut -f5 | tr ',' '\n' | wc -l -> 6 ALT alleles; ##PEDIGREE Derived=…Somatic
    assert len(facts) == 6
    assert {f.patient_key for f in facts} == {"Patient_01_Somatic"}


def test_snpeff_sites_only_chr22_needs_a_patient() -> None:
    path = shared_file("interop", "vcf", "snpeff", "test.chr22.ann.filter_missense_any.vcf")
    _, log = read_file(path)
    assert [p.field for p in log.problems] == ["patient"]
    facts, log = read_file(path, patient="P-22")
    assert not log.problems
    assert len(facts) == 20  # grep -vc '^#' -> 20
    # line 10: 22 20100133 G>A, 35 ANN entries; first: TRMT2A ENST00000439169 p.Pro629Ser
    first = _variant(facts[0])
    assert facts[0].locator == "line 10"
    assert (first.gene, first.transcript, first.hgvs_p) == ("TRMT2A", "ENST00000439169", "p.P629S")
    assert first.transcript_policy == "SnpEff ANN first listed"
    assert len(first.other_transcripts) == 34
    assert first.sample_id is None and first.vaf is None


def test_snpeff_file_without_chrom_line_gets_the_sites_only_header() -> None:
    path = shared_file("interop", "vcf", "snpeff", "variants_1.ann.vcf")
    facts, log = read_file(path, patient="P-1", genome_build="GRCh37")
    assert not log.problems
    assert "sites-only #CHROM" in log.notes[0]
    # grep -n -m1 -v "^#" -> line 6 (after five ## lines): 1 889455 G>A NOC2L stop_gained p.Gln236*
    (variant,) = (_variant(f) for f in facts)
    assert facts[0].locator == "line 6"
    assert (variant.gene, variant.consequence, variant.hgvs_p) == (
        "NOC2L",
        "stop_gained",
        "p.Q236*",
    )


def test_vep76_old_header_wording_and_cache_build() -> None:
    path = shared_file("interop", "vcf", "vep", "snpeff_tests.ensembl_hgvs_intron.vep76.vcf")
    facts, log = read_file(path, patient="P-76")
    assert not log.problems
    # "Consequence type as predicted by VEP. Format: Allele|Gene|Feature|…"; cache …/76_GRCh37
    # line 4: 1 45796212 C>G, 42 CSQ blocks, first MUTYH ENST00000525160 downstream_gene_variant
    (variant,) = (_variant(f) for f in facts)
    assert (variant.genome_build, variant.gene, variant.transcript) == (
        "GRCh37",
        "MUTYH",
        "ENST00000525160",
    )
    assert len(variant.other_transcripts) == 41


def test_sanitised_import_records_the_change_in_provenance(engine: Engine) -> None:
    path = shared_file("interop", "vcf", "snpeff", "cancer.ann.vcf")
    report = import_file(engine, path, tumor_sample="Patient_01_Somatic")
    assert report.fact_counts == {"variant": 2}
    assert any("sanitised copy" in note for note in report.notes)


# --- gemini legacy dialects -----------------------------------------------------------------


def test_gemini_somatic_csq_without_allele_field_and_freebayes_counts() -> None:
    path = shared_file("interop", "vcf", "gemini-legacy", "test.somatic.vcf")
    facts, log = read_file(path, tumor_sample="H_LS-E2-A14P-01A-31D-A19H-09")
    assert not log.problems
    assert len(facts) == 7  # grep -vc '^#' -> 7 records, one ALT each
    # line 61: 2 128046289 C>T; CSQ Format starts with Consequence (no Allele field);
    # first block ERCC3 ENST00000493187 missense_variant; tumour RO 52, AO 12
    first = _variant(facts[0])
    assert facts[0].locator == "line 61"
    assert (first.gene, first.transcript, first.consequence) == (
        "ERCC3",
        "ENST00000493187",
        "missense_variant",
    )
    assert first.genome_build == "GRCh37"  # ##reference=/shared/genomes/b37/…
    assert (first.alt_depth, first.depth) == (12, 64)


def test_gemini_vep81_refseq_and_a_record_without_csq() -> None:
    path = shared_file("interop", "vcf", "gemini-legacy", "test-vep-extra.vcf")
    facts, log = read_file(path)
    assert not log.problems
    # two records; the second has no CSQ; ##VEP=v81 … assembly=GRCh37.p13
    annotated, bare = (_variant(f) for f in facts)
    assert (annotated.gene, annotated.transcript, annotated.hgvs_p) == (
        "NFE2L2",
        "NM_001145413.2",
        "p.Q466R",
    )
    assert annotated.vaf == pytest.approx(0.25)  # AO 50, RO 150
    assert bare.gene is None and bare.transcript_policy is None
    assert log.notes == ["1 record(s) carry no VEP CSQ: gene unknown"]


def test_gemini_legacy_eff_decomposed_multiallelics() -> None:
    path = shared_file("interop", "vcf", "gemini-legacy", "test.multiple-alts.decomp.snpeff.vcf")
    facts, log = read_file(path)
    assert not log.problems
    assert len(facts) == 29  # grep -vc '^#' -> 29, one ALT each after decomposition
    first = _variant(facts[0])
    # 20 228157 AAAGGAAGG>A, EFF=intergenic_region(MODIFIER|||n.null_nulldelAAGGAAGG|…|A)
    assert (first.consequence, first.hgvs_p, first.hgvs_p_raw) == ("intergenic_region", None, None)
    assert first.transcript_policy == "SnpEff EFF first listed"
    assert (first.alt_depth, first.depth) == (16, 16)  # AD 0,16


def test_gemini_prefers_csq_when_eff_is_also_present() -> None:
    path = shared_file("interop", "vcf", "gemini-legacy", "test5.vep.snpeff.vcf")
    _, log = read_file(path)
    assert "M10475, M10478, M10500, M128215" in log.problems[0].value
    facts, log = read_file(path, tumor_sample="M10478")
    assert not log.problems
    assert {_variant(f).transcript_policy for f in facts if _variant(f).transcript_policy} == {
        "VEP CSQ first listed"
    }


def test_gemini_structural_variants_are_skipped_with_a_note() -> None:
    path = shared_file("interop", "vcf", "gemini-legacy", "test.fusions.vcf")
    facts, log = read_file(path, tumor_sample="H_LS-E2-A14P-01A-31D-A19H-09")
    assert not log.problems and facts == []
    # ALTs: <DEL> and four breakends such as [3:176909982[T
    assert log.notes == [
        "5 symbolic/breakend ALT allele(s) skipped: structural variants are not small variants"
    ]


# --- raw caller VCFs and PCGR inputs carry no CSQ/ANN: refused with the reason ---------------

UNANNOTATED = [
    *(("callers", f"vcf2maf.test_{c}.vcf") for c in (
        "b38", "delly", "muse", "mutect", "pindel", "radia", "sniper", "strelka", "varscan",
    )),
    ("pcgr-input", "T001-BRCA.grch38.vcf.gz"),
    ("pcgr-input", "T001-COAD.grch38.vcf.gz"),
]  # fmt: skip


@pytest.mark.parametrize("parts", UNANNOTATED, ids=[p[1] for p in UNANNOTATED])
def test_unannotated_vcfs_are_refused(parts: tuple[str, str]) -> None:
    path: Path = shared_file("interop", "vcf", *parts)
    with pytest.raises(InputError, match=r"annotated VCF \(VEP CSQ or SnpEff ANN\) is required"):
        read_file(path, genome_build="GRCh38")
