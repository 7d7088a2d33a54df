# SPDX-License-Identifier: Apache-2.0
"""Raw records stored in compressed blocks: every fact still gets its own source line back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from oncoboard.record.models import FactRow, RawBlockRow
from tests.support import import_file

HEADER = (
    "##fileformat=VCFv4.2\n"
    "##reference=GRCh38\n"
    "##contig=<ID=chr7>\n"
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
    'Format: Allele|Consequence|SYMBOL|Feature">\n'
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR\n"
)
# one multi-allelic record (two facts, one source line) and one biallelic record
MULTI = (
    "chr7\t140753336\t.\tA\tT,G\t.\tPASS\t"
    "CSQ=T|missense_variant|BRAF|ENST00000646891,G|missense_variant|BRAF|ENST00000646891"
    "\tAD\t30,0,0\t20,10,5\n"
)
SINGLE = "chr7\t140753400\t.\tC\tA\t.\tPASS\tCSQ=A|synonymous_variant|BRAF|ENST00000646891\tAD\t9,0\t7,3\n"


def test_facts_of_one_line_share_its_raw_record(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "multi.vcf"
    path.write_text(HEADER + MULTI + SINGLE)
    import_file(engine, path)
    with Session(engine) as session:
        rows = session.scalars(select(FactRow).order_by(FactRow.id)).all()
        assert [(r.payload["alt"], r.raw_index) for r in rows] == [("T", 0), ("G", 0), ("A", 1)]
        assert {r.raw for r in rows} == {None}
        assert session.scalar(select(func.count()).select_from(RawBlockRow)) == 1
        block = session.get(RawBlockRow, rows[0].raw_block)
        assert block is not None
        texts = [block.record(r.raw_index) for r in rows if r.raw_index is not None]
    # each fact's raw record is its line of the file, exactly
    assert texts == [MULTI.rstrip("\n"), MULTI.rstrip("\n"), SINGLE.rstrip("\n")]
