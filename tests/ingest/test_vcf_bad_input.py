# SPDX-License-Identifier: Apache-2.0
"""Bad VCF input: each case refused with a located message, and nothing written."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.errors import InputError
from tests.support import import_file, row_counts, shared_file

EMPTY = {"patients": 0, "imports": 0, "facts": 0}
HEADER = (
    "##fileformat=VCFv4.2\n"
    "##reference=GRCh38\n"
    "##contig=<ID=chr7>\n"
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
    'Format: Allele|Consequence|SYMBOL|Feature|HGVSc|HGVSp">\n'
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR\n"
)
CSQ = (
    "CSQ=T|missense_variant|BRAF|ENST00000646891.2|ENST00000646891.2:c.1799T>A|"
    "ENSP00000493543.1:p.Val600Glu"
)
RECORD = f"chr7\t140753336\t.\tA\tT\t.\tPASS\t{CSQ}\tAD\t30,0\t20,10\n"
SECOND = RECORD.replace("140753336", "140753400")

BAD_VCFS: dict[str, tuple[bytes, str]] = {
    "non-utf8-header": (
        (HEADER + RECORD).encode().replace(b"Ensembl", b"Ens\xe9mbl"),
        r"line 4: not UTF-8",
    ),
    "non-utf8-record": (
        (HEADER + RECORD + SECOND)
        .encode()
        .replace(
            b"40753400\t.\tA\tT\t.\tPASS\tCSQ=T|missense_variant|BRAF",
            b"40753400\t.\tA\tT\t.\tPASS\tCSQ=T|missense_variant|BR\xff\xfe",
        ),
        r"line 8: encoding: expected UTF-8 text",
    ),
    "empty-file": (b"", r"the file is empty"),
    "no-chrom-line": (
        HEADER.replace(HEADER.splitlines(keepends=True)[-1], "").encode() + RECORD.encode(),
        r"line 6: no #CHROM header line",
    ),
    "no-annotation": (
        (HEADER + RECORD).replace("ID=CSQ", "ID=XYZ").replace("CSQ=", "XYZ=").encode(),
        r"an annotated VCF \(VEP CSQ or SnpEff ANN\) is required",
    ),
    "csq-field-count": (
        (HEADER + RECORD.replace("|BRAF|", "|")).encode(),
        r"line 7: INFO/CSQ: expected 6 fields, as the header's CSQ Format lists, got \"5",
    ),
    "fewer-columns": (
        (HEADER + RECORD.replace("\t20,10", "")).encode(),
        r"line 7: columns: expected 11 tab-separated columns",
    ),
    "only-site-columns": (
        (HEADER + RECORD.split("\tAD\t")[0] + "\n").encode(),
        r"line 7: columns: expected 11 tab-separated columns",
    ),
    "ref-alphabet": (
        (HEADER + RECORD.replace("\tA\tT\t", "\tAZ\tT\t")).encode(),
        r"line 7: REF: expected A/C/G/T/N bases, got 'AZ'",
    ),
    "pos-not-integer": (
        (HEADER + RECORD.replace("140753336", "14x")).encode(),
        r"line 7: POS: expected a positive integer, got '14x'",
    ),
    # htslib hands back a half-parsed record here (the contig is not declared): must not crash
    "pos-not-integer-undeclared-contig": (
        (HEADER.replace("##contig=<ID=chr7>\n", "") + RECORD.replace("140753336", "14x")).encode(),
        r"line 6: POS: expected a positive integer, got '14x'",
    ),
    "no-genome-build": (
        (HEADER.replace("##reference=GRCh38\n", "") + RECORD).encode(),
        r"header: genome build: expected .* pass --genome-build GRCh37\|GRCh38",
    ),
    "two-builds-declared": (
        (
            HEADER.replace("##contig=<ID=chr7>", "##contig=<ID=chr7,assembly=hg19>") + RECORD
        ).encode(),
        r"##reference says GRCh38; ##contig assembly says GRCh37",
    ),
    "tumour-not-named": (
        (HEADER.replace("NORMAL\tTUMOR", "S1\tS2") + RECORD).encode(),
        r"--tumor-sample NAME.*samples: S1, S2",
    ),
}


@pytest.mark.parametrize("case", BAD_VCFS, ids=list(BAD_VCFS))
def test_bad_vcf_is_refused_and_nothing_is_written(
    engine: Engine, tmp_path: Path, case: str
) -> None:
    content, message = BAD_VCFS[case]
    path = tmp_path / f"{case}.vcf"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        import_file(engine, path)
    assert row_counts(engine) == EMPTY


def test_tumour_sample_option_must_name_a_sample(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "ok.vcf"
    path.write_text(HEADER + RECORD, encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"--tumor-sample: expected one of the samples in the file: NORMAL, TUMOR, got 'TUM'",
    ):
        import_file(engine, path, tumor_sample="TUM")
    assert row_counts(engine) == EMPTY


def test_genome_build_option_must_agree_with_the_file(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "ok.vcf"
    path.write_text(HEADER + RECORD, encoding="utf-8")
    with pytest.raises(
        InputError, match=r"declares: GRCh38 \(##reference\); --genome-build GRCh37 disagrees"
    ):
        import_file(engine, path, genome_build="GRCh37")
    assert row_counts(engine) == EMPTY


@pytest.mark.shared
def test_truncated_bgzip_is_refused(engine: Engine, tmp_path: Path) -> None:
    source = shared_file(
        "interop", "vcf", "vep", "HCC1395.pvacseq_example.vep105.annotated.expression.vcf.gz"
    )
    path = tmp_path / "truncated.vcf.gz"
    path.write_bytes(source.read_bytes()[:1_000_000])  # past the 256 KiB the sniffer reads
    with pytest.raises(InputError, match=r"truncated bgzip file \(no BGZF end-of-file block\)"):
        import_file(engine, path)
    assert row_counts(engine) == EMPTY


@pytest.mark.shared
def test_truncated_plain_gzip_is_refused_at_a_line(engine: Engine, tmp_path: Path) -> None:
    source = shared_file(
        "interop", "vcf", "vep", "HCC1395.pvacseq_example.vep105.annotated.expression.vcf.gz"
    )
    whole = gzip.compress(gzip.decompress(source.read_bytes()), compresslevel=1)
    path = tmp_path / "truncated.vcf.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match=r"line \d+: gzip: expected a complete gzip/bgzip file"):
        import_file(engine, path)
    assert row_counts(engine) == EMPTY
