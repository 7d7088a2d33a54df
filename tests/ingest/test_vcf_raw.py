# SPDX-License-Identifier: Apache-2.0
"""Each fact's raw record is its line exactly as the file has it, whatever the container."""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path

import pytest

from tests.support import read_file

HEADER = (
    "##fileformat=VCFv4.2\n"
    "##reference=GRCh38\n"
    "##contig=<ID=chr7>\n"
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
    'Format: Allele|Consequence|SYMBOL|Feature">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
)
# htslib would write QUAL 50.00 back as "50": the stored text must be the file's own
QUAL = "chr7\t140753336\t.\tA\tT\t50.00\tPASS\tCSQ=T|missense_variant|BRAF|ENST00000646891"
MULTI = (
    "chr7\t140753400\t.\tC\tA,G\t7.50\tPASS\t"
    "CSQ=A|synonymous_variant|BRAF|ENST00000646891,G|missense_variant|BRAF|ENST00000646891"
)
# lines 6 and 7 of HEADER + records (HEADER has 5 lines)
RECORDS = [QUAL, MULTI]


def _raws(path: Path) -> list[tuple[str, str | None]]:
    facts, log = read_file(path, patient="P1")
    assert not log.problems
    return [(fact.locator, fact.raw) for fact in facts]


EXPECTED = [("line 6", QUAL), ("line 7", MULTI), ("line 7", MULTI)]


def test_plain_file_keeps_each_line_exactly(tmp_path: Path) -> None:
    path = tmp_path / "plain.vcf"
    path.write_text(HEADER + "\n".join(RECORDS) + "\n")
    assert _raws(path) == EXPECTED


def test_crlf_line_endings_are_not_part_of_the_record(tmp_path: Path) -> None:
    path = tmp_path / "crlf.vcf"
    path.write_bytes((HEADER + "\n".join(RECORDS) + "\n").replace("\n", "\r\n").encode())
    assert _raws(path) == EXPECTED


@pytest.mark.parametrize("members", [1, 3])
def test_gzip_of_one_or_many_members_keeps_each_line(tmp_path: Path, members: int) -> None:
    """bgzip writes many gzip members; a plain gzip has one."""
    text = (HEADER + "\n".join(RECORDS) + "\n").encode()
    cut = [len(text) * k // members for k in range(members + 1)]
    path = tmp_path / "file.vcf.gz"
    path.write_bytes(b"".join(gzip.compress(text[a:b]) for a, b in itertools.pairwise(cut)))
    assert _raws(path) == EXPECTED


def test_sanitised_header_still_keeps_the_original_lines(tmp_path: Path) -> None:
    """No ##fileformat line: htslib reads a sanitised copy, raw text and line numbers come
    from the original file (whose records sit one line higher)."""
    path = tmp_path / "no-fileformat.vcf"
    path.write_text(HEADER.split("\n", 1)[1] + "\n".join(RECORDS) + "\n")
    assert _raws(path) == [("line 5", QUAL), ("line 6", MULTI), ("line 6", MULTI)]


def test_last_line_without_line_break(tmp_path: Path) -> None:
    path = tmp_path / "no-newline.vcf"
    path.write_text(HEADER + "\n".join(RECORDS))
    assert _raws(path) == EXPECTED
