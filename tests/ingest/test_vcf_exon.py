# SPDX-License-Identifier: Apache-2.0
"""The exon of the chosen transcript is kept (VEP CSQ EXON), so exon-level rules can be judged."""

from __future__ import annotations

import gzip

import pytest

from oncoboard.record.schemas import SomaticVariant
from tests.support import read_file, shared_file

pytestmark = pytest.mark.shared


def test_exon_of_the_picked_transcript_matches_the_file() -> None:
    path = shared_file(
        "interop", "vcf", "vep", "HCC1395.pvacseq_example.vep105.annotated.expression.vcf.gz"
    )
    # independent reading: the CSQ format from the header, the PICK=1 entry of each record
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    header = next(line for line in lines if line.startswith("##INFO=<ID=CSQ"))
    fields = header.split("Format: ")[1].rstrip('">').split("|")
    exon_at, pick_at, feature_at = (
        fields.index("EXON"),
        fields.index("PICK"),
        fields.index("Feature"),
    )
    expected = {}
    for line in lines:
        if line.startswith("#"):
            continue
        columns = line.split("\t")
        info = columns[7]
        csq = next(part[4:] for part in info.split(";") if part.startswith("CSQ="))
        for entry in csq.split(","):
            values = entry.split("|")
            if values[pick_at] == "1":
                exon = values[exon_at].split("/")[0]
                key = (columns[0], int(columns[1]), values[feature_at])
                expected[key] = int(exon) if exon.isdigit() else None
    facts, log = read_file(path)
    assert not log.problems
    variants = [f.fact for f in facts if isinstance(f.fact, SomaticVariant)]
    checked = [v for v in variants if (v.chrom, v.pos, v.transcript) in expected]
    assert len(checked) > 1000
    wrong = [v for v in checked if v.exon != expected[(v.chrom, v.pos, v.transcript)]]
    assert wrong == []
    assert sum(v.exon is not None for v in checked) > 500
