# SPDX-License-Identifier: Apache-2.0
"""ISO/IEC 7064 MOD 37-2 against published DINs, and the ISBT 128 structures (ST-001 v6.2.2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncoboard.errors import InputError
from oncoboard.traceability import isbt128
from oncoboard.traceability.isbt128 import MOD37_ALPHABET, mod37_2_check, mod37_2_valid

# Published example DINs with their check characters: ICCBBA documents and the UK Red Book annex
# on the ISBT 128 check character, as collected in KnowledgeForwardSolutions/CheckDigits.Net
# (Iso7064Mod37_2AlgorithmTests.cs), recomputed in docs/clinical-and-regulatory-facts §5.2 [S38].
PUBLISHED = [
    ("A999914123456", "N"),
    ("C000307001466", "6"),
    ("A999922123459", "H"),
    ("A999922654321", "S"),
    ("A999922123458", "J"),
    ("A999922012346", "*"),
    ("A999522123456", "*"),
    ("G123498654321", "H"),
]


@pytest.mark.parametrize(("din", "check"), PUBLISHED, ids=[d for d, _ in PUBLISHED])
def test_check_character_of_published_dins(din: str, check: str) -> None:
    assert mod37_2_check(din) == check
    assert mod37_2_valid(din + check)
    assert isbt128.parse_din(din + check).din == din  # keyboard entry with its K


def test_single_character_vectors_from_the_same_source() -> None:
    assert [mod37_2_check(c) for c in "012"] == ["1", "*", "Y"]


@pytest.mark.parametrize(("din", "check"), PUBLISHED, ids=[d for d, _ in PUBLISHED])
def test_every_single_substitution_is_caught(din: str, check: str) -> None:
    """Each position of DIN + K replaced by every other character of its alphabet."""
    text = din + check
    caught = 0
    for position, original in enumerate(text):
        alphabet = MOD37_ALPHABET if position == len(text) - 1 else MOD37_ALPHABET[:-1]
        for replacement in alphabet:
            if replacement == original:
                continue
            assert not mod37_2_valid(text[:position] + replacement + text[position + 1 :]), (
                position,
                replacement,
            )
            caught += 1
    assert caught == 13 * 35 + 36


@pytest.mark.parametrize(("din", "check"), PUBLISHED, ids=[d for d, _ in PUBLISHED])
def test_every_adjacent_transposition_is_caught(din: str, check: str) -> None:
    text = din + check
    swaps = 0
    for i in range(len(text) - 1):
        if text[i] == text[i + 1]:
            continue
        swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        assert not mod37_2_valid(swapped), swapped
        swaps += 1
    assert swaps >= 8


def test_transpositions_over_every_character_pair() -> None:
    """Beyond the examples: every pair of distinct characters, swapped at every position."""
    base = "A999914123456"
    for i in range(len(base) - 1):
        for a in MOD37_ALPHABET[:-1]:
            for b in MOD37_ALPHABET[:-1]:
                if a == b:
                    continue
                text = base[:i] + a + b + base[i + 2 :]
                good = text + mod37_2_check(text)
                swapped = text[:i] + b + a + text[i + 2 :] + good[-1]
                assert not mod37_2_valid(swapped)


def test_din_scan_with_flags_and_type_3_flag_check() -> None:
    din = isbt128.parse_din("=A99991412345600")
    assert (din.fin, din.year, din.sequence, din.flags) == ("A9999", "14", "123456", "00")
    assert din.check_character == "N" and din.eye_readable == "A9999 14 123456 00 [N]"
    # ST-001 Table 3: flags 60-96 carry 60 + the MOD 37-2 value ('N' is 23)
    assert isbt128.parse_din("=A99991412345683").flags == "83"
    with pytest.raises(InputError, match="flag 84 carries check value 24"):
        isbt128.parse_din("=A99991412345684")
    assert isbt128.make_din("A9999", 2014, 123456).barcode_data == "=A99991412345600"


@pytest.mark.parametrize(
    ("scan", "message"),
    [
        ("=A999914123456", "13 data characters; expected 15"),  # flags cut off
        ("=A9999141234", "truncated or not a DIN"),
        ("=O99991412345600", "is not a Donation Identification Number"),  # O is not allowed
        ("=A999914123456I0", "flag characters 'I0' are not valid"),
        ("A999914123456X", "keyboard check character 'X' is wrong"),
    ],
)
def test_bad_dins_are_located_errors(scan: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as error:
        isbt128.parse_din(scan)
    assert error.value.problems and error.value.problems[0].value == scan


def test_product_code_structure_and_pluggable_table(tmp_path: Path) -> None:
    code = isbt128.parse_product_code("=<S1234A00")
    assert (code.description_code, code.collection_type, code.division) == ("S1234", "A", "00")
    assert code.category == "cellular therapy"
    empty = isbt128.ProductCodeTable()
    assert "not interpreted (no ICCBBA product table loaded)" in empty.describe(code)
    table_file = tmp_path / "site-table.csv"
    table_file.write_text("code,description\nS1234,Example site product (test row)\n")
    table = isbt128.load_product_table(table_file)
    assert table.describe(code) == "Example site product (test row)"
    with pytest.raises(InputError, match="S9999 is not in the loaded product table"):
        table.describe(isbt128.parse_product_code("=<S9999A00"))
    bad = tmp_path / "bad.csv"
    bad.write_text("code,description\ns12,lower case\nS1234,ok\n")
    with pytest.raises(InputError, match="1 bad product code rows") as error:
        isbt128.load_product_table(bad)
    assert str(error.value.problems[0]) == "bad.csv: line 2: code: expected αoooo, got 's12'"
    with pytest.raises(InputError, match="expected 8: truncated"):
        isbt128.parse_product_code("=<S1234A")


def test_chain_of_identity_identifier() -> None:
    coi = isbt128.make_coi("A9999", 2023, 1)
    assert coi.value == "CHA99992300000" + "1" and coi.barcode_data == "&/CHA999923000001"
    assert isbt128.parse_coi("&/CHA99992300ZZ01").issuer_fin == "A9999"
    with pytest.raises(InputError, match="expected 15: truncated"):
        isbt128.parse_coi("&/CHA9999230000")


def test_docstring_examples_run() -> None:
    import doctest

    from oncoboard.traceability import gs1

    for module in (isbt128, gs1):
        failures, tried = doctest.testmod(module)
        assert failures == 0 and tried >= 2, module.__name__
