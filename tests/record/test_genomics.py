# SPDX-License-Identifier: Apache-2.0
"""One canonical value per variant notation; genome builds never guessed."""

from __future__ import annotations

import doctest

import pytest

from oncoboard.errors import InputError
from oncoboard.record import genomics
from oncoboard.record.genomics import ProteinChange, parse_genome_build

SAME_CHANGE = {
    "BRAF V600E": [
        "p.Val600Glu",
        "p.V600E",
        "V600E",
        "p.(Val600Glu)",
        "ENSP00000288602.6:p.Val600Glu",
    ],
    "KRAS G12C": ["p.Gly12Cys", "p.G12C", "G12C", "p.(G12C)"],
    "TP53 R248*": ["p.Arg248Ter", "p.Arg248*", "p.R248*", "R248X", "p.Arg248X"],
    "EGFR exon 19 del": ["p.Glu746_Ala750del", "p.E746_A750del", "E746_A750del"],
    "frameshift": ["p.Lys112AsnfsTer4", "p.K112Nfs*4", "K112NfsX4"],
    "delins": ["p.Glu709_Thr710delinsAsp", "p.E709_T710delinsD"],
    "duplication": ["p.Ala767_Val769dup", "p.A767_V769dup"],
}


@pytest.mark.parametrize("notations", SAME_CHANGE.values(), ids=list(SAME_CHANGE))
def test_every_notation_is_one_value(notations: list[str]) -> None:
    values = {ProteinChange.parse(text) for text in notations}
    assert len(values) == 1
    assert len({hash(v) for v in values}) == 1


def test_canonical_short_form_and_codon() -> None:
    change = ProteinChange.parse("p.Gly12Asp")
    assert change.short == "p.G12D"
    assert change.codon == "G12"
    assert change != ProteinChange.parse("p.G12C")


@pytest.mark.parametrize("text", ["", "p.?", "c.1799T>A", "V", "p.600E", "Val600"])
def test_unparseable_protein_change_is_an_input_error_not_a_guess(text: str) -> None:
    with pytest.raises(InputError, match="protein change"):
        ProteinChange.parse(text)


@pytest.mark.parametrize(
    ("text", "build"),
    [
        ("hg19", "GRCh37"),
        ("37", "GRCh37"),
        ("GRCh37.p13", "GRCh37"),
        ("b37", "GRCh37"),
        ("hg38", "GRCh38"),
        ("GRCh38", "GRCh38"),
        ("38", "GRCh38"),
        ("file:///refs/GRCh38_full_analysis_set.fa", "GRCh38"),
    ],
)
def test_genome_build_spellings(text: str, build: str) -> None:
    assert parse_genome_build(text) == build


@pytest.mark.parametrize("text", ["hg17", "", "mm10", "T2T-CHM13"])
def test_unknown_build_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="genome build"):
        parse_genome_build(text)


def test_docstring_examples_run() -> None:
    failures, tried = doctest.testmod(genomics)
    assert tried > 0 and failures == 0
