# SPDX-License-Identifier: Apache-2.0
"""GS1 check digits against published examples and biip; element strings with lot/expiry/serial."""

from __future__ import annotations

import random
from datetime import date

import pytest

from oncoboard.errors import InputError
from oncoboard.traceability import gs1

# docs/clinical-and-regulatory-facts §5.3 (verified vectors, GS1 General Specifications method);
# GS1 Hong Kong check digit calculator page, worked GTIN-13 example (629104150021 -> 3)
PUBLISHED = [("400638133393", "1"), ("061414100003", "6"), ("0061414100003", "6"),
             ("629104150021", "3")]  # fmt: skip


@pytest.mark.parametrize(("payload", "check"), PUBLISHED)
def test_check_digit_of_published_examples(payload: str, check: str) -> None:
    assert gs1.check_digit(payload) == check


def test_check_digit_agrees_with_biip_for_gtin_and_sscc() -> None:
    """biip is an independent implementation: our digit is the one it accepts, and only that."""
    import biip

    rng = random.Random(20)
    for _ in range(300):
        payload = "".join(rng.choice("0123456789") for _ in range(17))
        sscc = payload + gs1.check_digit(payload)
        assert biip.parse("00" + sscc).sscc is not None
        wrong = sscc[:-1] + str((int(sscc[-1]) + 1) % 10)
        assert biip.parse("00" + wrong).sscc is None
        gtin = payload[:13] + gs1.check_digit(payload[:13])
        assert gs1.parse_gs1("01" + gtin).gtin == gtin


def test_every_single_digit_error_in_a_gtin_is_caught() -> None:
    gtin = "09506000134352"
    for position in range(len(gtin)):
        for digit in "0123456789":
            if digit != gtin[position]:
                assert not gs1.valid_key(gtin[:position] + digit + gtin[position + 1 :], 14)


def test_element_string_with_lot_expiry_serial_keeps_the_separator() -> None:
    built = gs1.build_gs1(
        gtin="09506000134352", expiry=date(2026, 12, 31), lot="LOT-7A", serial="S0042"
    )
    assert built.element_string == "01095060001343521726123110LOT-7A\x1d21S0042"
    assert built.hri == "(01)09506000134352(17)261231(10)LOT-7A(21)S0042"
    again = gs1.parse_gs1("]d2" + built.element_string)
    assert (again.gtin, again.lot, again.serial, again.expiry) == (
        "09506000134352", "LOT-7A", "S0042", date(2026, 12, 31))  # fmt: skip
    assert gs1.parse_gs1(built.hri) == again


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0109506000134353", r"AI \(01\) 09506000134353: check digit is wrong"),
        ("010950600013", "not a GS1 element string"),  # truncated GTIN
        ("01095060001343521726133210LOT", "not a GS1 element string"),  # month 13
        ("8018950600013435000006", r"AI \(8018\) 950600013435000006: check digit is wrong"),
    ],
)
def test_bad_element_strings_are_located_errors(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        gs1.parse_gs1(text)
