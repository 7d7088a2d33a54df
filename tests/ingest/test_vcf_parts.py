# SPDX-License-Identifier: Apache-2.0
"""The VCF reader's parts: allele matching, transcript policy, header formats, VAF extractors."""

from __future__ import annotations

from pathlib import Path

import cyvcf2
import pytest

from oncoboard.errors import InputError
from oncoboard.ingest.vcf.annotation import AnnotationFormat, minimal_alleles, vep_alleles
from oncoboard.ingest.vcf.depth import extractors_for, tumour_reading
from oncoboard.ingest.vcf.header import declared_fields
from oncoboard.record.schemas import SomaticVariant
from tests.support import ROOT, read_file, shared_file

VEP105 = "Consequence annotations from Ensembl VEP. Format: Allele|Consequence|SYMBOL|Feature|PICK|CANONICAL|MANE_SELECT|ALLELE_NUM"
VEP76 = "Consequence type as predicted by VEP. Format: Allele|Gene|Feature|Consequence|SYMBOL"
ANN = "Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | Feature_ID | HGVS.c | HGVS.p' "
EFF = "Predicted effects for this variant.Format: 'Effect ( Effect_Impact | Amino_Acid_Change| Gene_Name | Transcript [ | ERRORS | WARNINGS ] )' "


@pytest.mark.parametrize(
    ("ref", "alts", "expected"),
    [
        ("A", ["AG"], ["G"]),  # insertion: shared first base dropped (HCC1395 chr1:451649)
        ("GT", ["G"], ["-"]),  # deletion: nothing left is '-'
        ("CA", ["C", "CAA"], ["-", "AA"]),  # multi-allelic indels share the first base
        ("A", ["C", "AT"], ["C", "AT"]),  # first bases differ: nothing trimmed
        ("AT", ["GC"], ["GC"]),  # same-length MNV is not an indel: nothing trimmed
    ],
)
def test_vep_allele_rule(ref: str, alts: list[str], expected: list[str]) -> None:
    assert vep_alleles(ref, alts) == expected


def test_minimal_alleles_trim_both_ends() -> None:
    assert minimal_alleles("CA", ["C", "CAA"]) == ["-", "A"]


def test_header_format_is_read_from_either_vep_wording() -> None:
    new = AnnotationFormat.from_description("CSQ", f'"{VEP105}"')
    old = AnnotationFormat.from_description("CSQ", VEP76)
    assert new.fields[:3] == ("Allele", "Consequence", "SYMBOL")
    assert (old.index["consequence"], old.index["gene"]) == (3, 4)
    ann = AnnotationFormat.from_description("ANN", ANN)
    assert ann.fields[3] == "Gene_Name" and ann.index["hgvs_p"] == 6
    eff = AnnotationFormat.from_description("EFF", EFF)
    assert eff.fields == (
        "Effect", "Effect_Impact", "Amino_Acid_Change", "Gene_Name", "Transcript", "ERRORS", "WARNINGS",
    )  # fmt: skip
    assert eff.minimum == 5 and eff.width == 7
    with pytest.raises(InputError, match="no 'Format"):
        AnnotationFormat.from_description("CSQ", "Consequence annotations")


def test_allele_num_beats_allele_text_and_policy_prefers_mane_over_canonical() -> None:
    fmt = AnnotationFormat.from_description("CSQ", VEP105)
    blocks = fmt.split(
        "G|missense_variant|X1|T1|||NM_1|2,"  # ALLELE_NUM 2 although Allele says G
        "G|missense_variant|X1|T2||YES||1,"
        "G|missense_variant|X1|T3|||NM_3|1"
    )
    groups, unmatched = fmt.assign(blocks, "A", ["G", "T"])
    assert unmatched == 0
    assert [b[3] for b in groups[0]] == ["T2", "T3"] and [b[3] for b in groups[1]] == ["T1"]
    chosen, policy = fmt.choose(groups[0])
    assert (chosen[3], policy) == ("T3", "VEP CSQ MANE_SELECT")
    picked = fmt.split("G|x|X1|T4||YES||1,G|x|X1|T5|1|||1")
    assert fmt.choose(picked) == (picked[1], "VEP CSQ PICK")


def test_eff_amino_acid_change_gives_protein_and_coding_change() -> None:
    fmt = AnnotationFormat.from_description("EFF", EFF)
    (block,) = fmt.split("NON_SYNONYMOUS_CODING(MODERATE|p.Ser67Pro/c.199T>C|NOTCH2NL|ENST1|)")
    described = fmt.describe(block)
    assert (described.hgvs_p, described.hgvs_c, described.gene) == (
        "p.S67P",
        "c.199T>C",
        "NOTCH2NL",
    )


DEMO = ROOT / "src" / "oncoboard" / "demo" / "data" / "demo-002.vep.vcf"


def _variants(path: Path, **options: str) -> list[SomaticVariant]:
    facts, log = read_file(path, **options)
    assert not log.problems
    variants = [f.fact for f in facts]
    assert all(isinstance(v, SomaticVariant) for v in variants)
    return variants  # type: ignore[return-value]


def test_demo_multiallelic_record_gives_one_variant_per_alt() -> None:
    # chr19 1220321 CA>C,CAA; CSQ Allele '-' (c.580del) and 'A' (c.580dup); AD 40,22,3
    *_, deletion, duplication = _variants(DEMO)
    assert (deletion.alt, deletion.hgvs_c, deletion.alt_depth, deletion.depth) == (
        "C",
        "c.580del",
        22,
        65,
    )
    assert (duplication.alt, duplication.hgvs_c, duplication.alt_depth) == ("CAA", "c.580dup", 3)


def test_demo_percent_encoded_protein_change_is_decoded() -> None:
    # chr12 25245274 G>A: HGVSp ENSP00000308495.3:p.Gly161%3D, FILTER LowDepth, AD 12,4
    kras = _variants(DEMO)[1]
    assert (kras.hgvs_p, kras.hgvs_p_raw) == ("p.G161=", "ENSP00000308495.3:p.Gly161=")
    assert (kras.filters, kras.vaf) == ("LowDepth", 0.25)


# --- VAF/depth extractors on real caller output (those files have no CSQ, so no reader) -----


def _tumour_reading(path: Path, record: int, sample: str) -> tuple[object, ...]:
    vcf = cyvcf2.VCF(str(path))
    extractors = extractors_for(declared_fields(vcf))
    for number, variant in enumerate(vcf):
        if number == record:
            return tumour_reading(extractors, variant, vcf.samples.index(sample), 0)
    raise AssertionError("record not found")


@pytest.mark.shared
def test_strelka_tier1_base_counts() -> None:
    path = shared_file("interop", "vcf", "callers", "vcf2maf.test_strelka.vcf")
    # record 2: 1 35944648 G>A, TUMOR AU 56,57 CU 0,0 GU 2,2 TU 0,0 -> tier1 56 of 58
    alt_depth, depth, vaf = _tumour_reading(path, 1, "TUMOR")
    assert (alt_depth, depth) == (56, 58)
    assert vaf == pytest.approx(56 / 58)


@pytest.mark.shared
def test_varscan_alt_only_ad_with_rd_and_percent_freq() -> None:
    path = shared_file("interop", "vcf", "callers", "vcf2maf.test_varscan.vcf")
    # record 1: TUMOR RD 56, AD 35 (Number=1: ALT reads only), FREQ 38.46%
    alt_depth, depth, vaf = _tumour_reading(path, 0, "TUMOR")
    assert (alt_depth, depth) == (35, 91)
    assert vaf == pytest.approx(0.3846, abs=1e-4)


@pytest.mark.shared
def test_b38_missing_ref_count_falls_back_to_dp() -> None:
    path = shared_file("interop", "vcf", "callers", "vcf2maf.test_b38.vcf")
    # record 1: TUMOR AD .,21 and DP 54
    assert _tumour_reading(path, 0, "TUMOR") == (21, 54, pytest.approx(21 / 54))


@pytest.mark.shared
def test_pcgr_string_adt_counts() -> None:
    path = shared_file("interop", "vcf", "pcgr-input", "T001-BRCA.grch38.vcf.gz")
    sample = "TCGA-A2-A04W-01A-31D-A10Y-09_TCGA-A2-A04W-10A-01D-A110-09"
    # record 1: ADT 112,32, DPT 144, INFO TVAF=0.222222222222 TDP=144
    assert _tumour_reading(path, 0, sample) == (32, 144, pytest.approx(32 / 144))


@pytest.mark.shared
def test_varscan_freq_alone_gives_the_fraction(tmp_path: Path) -> None:
    source = shared_file("interop", "vcf", "callers", "vcf2maf.test_varscan.vcf")
    # keep FREQ, drop the counts: the percent string is then the only VAF source
    text = source.read_text().replace("GT:GQ:DP:RD:AD:FREQ:DP4", "GT:GQ:DP:RX:AX:FREQ:DP4")
    text = text.replace("ID=RD,", "ID=RX,").replace("ID=AD,", "ID=AX,")
    path = tmp_path / "freq-only.vcf"
    path.write_text(text)
    alt_depth, depth, vaf = _tumour_reading(path, 0, "TUMOR")
    assert (alt_depth, depth, vaf) == (None, 91, pytest.approx(0.3846))
