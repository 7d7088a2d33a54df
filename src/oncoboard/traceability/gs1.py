# SPDX-License-Identifier: Apache-2.0
"""GS1 element strings on cell-therapy labels: GTIN, SSCC, lot, expiry, serial, GSRN.

Parsing (Application Identifiers, fixed and variable lengths, FNC1/GS separators, symbology
identifiers, dates) is done by biip, a maintained GS1 library; this module turns its result into
one value with located errors and checks every check digit itself (biip leaves GSRN unchecked).
The check digit is mod 10 with weights 3, 1, 3, … from the right (docs/clinical-and-regulatory-
facts §5.3; GS1 General Specifications §7.9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from oncoboard.errors import InputError, Problem

GS = "\x1d"  # ASCII group separator: FNC1 in the middle of an element string
AI_SSCC, AI_GTIN, AI_LOT, AI_EXPIRY, AI_SERIAL, AI_GSRN = "00", "01", "10", "17", "21", "8018"
_CHECKED = {AI_SSCC: 18, AI_GTIN: 14, AI_GSRN: 18}


def check_digit(payload: str) -> str:
    """The GS1 check digit of ``payload`` (the digits without their check digit).

    Examples
    --------
    >>> check_digit("400638133393"), check_digit("061414100003")
    ('1', '6')
    """
    if not payload.isdigit() or not payload.isascii():
        raise InputError(
            f"GS1 key {payload!r} must be digits only",
            problems=[_problem("GS1 key", payload, "digits 0-9")],
        )
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return str((10 - total % 10) % 10)


def valid_key(key: str, length: int) -> bool:
    """True for a ``length``-digit GS1 key (GTIN-14, SSCC, GSRN) whose check digit is right."""
    return (
        len(key) == length and key.isdigit() and key.isascii() and check_digit(key[:-1]) == key[-1]
    )


@dataclass(frozen=True)
class Gs1Data:
    """One scanned or printed GS1 element string, with the AIs a cell-therapy label uses."""

    element_string: str  # FNC1 form: AIs and values, GS after variable-length fields
    hri: str  # human-readable interpretation: (01)…(17)…
    gtin: str | None = None
    sscc: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    gsrn: str | None = None
    other: dict[str, str] = field(default_factory=dict)


def parse_gs1(text: str) -> Gs1Data:
    """Parse a GS1 element string (FNC1/GS form, '(AI)' form, or with a ]C1/]d2/]Q3 prefix).

    Raises ``InputError`` naming the AI and value for a bad length, date or check digit.
    """
    import biip
    from biip.gs1_messages import GS1Message

    try:
        message = GS1Message.parse_hri(text) if text.startswith("(") else None
        if message is None:
            result = biip.parse(text)
            if result.gs1_message is None:
                raise InputError(
                    f"not a GS1 element string: {result.gs1_message_error or text!r}",
                    problems=[_problem("GS1 element string", text, "AIs and values")],
                )
            message = result.gs1_message
    except biip.BiipException as error:
        raise InputError(
            f"not a GS1 element string: {error}",
            problems=[_problem("GS1 element string", text, "AIs and values")],
        ) from None
    values: dict[str, str] = {}
    expiry: date | None = None
    for element in message.element_strings:
        ai = element.ai.ai
        reported = element.gtin_error or element.sscc_error or element.gln_error
        if reported or (ai in _CHECKED and not valid_key(element.value, _CHECKED[ai])):
            detail = f": {reported}" if reported else ""
            raise InputError(
                f"GS1 AI ({ai}) {element.value}: check digit is wrong{detail}",
                problems=[_problem(f"AI ({ai})", element.value, "a valid GS1 check digit")],
            )
        if ai in values:
            raise InputError(
                f"GS1 AI ({ai}) appears twice in {text!r}",
                problems=[_problem(f"AI ({ai})", element.value, "each AI once")],
            )
        values[ai] = element.value
        if ai == AI_EXPIRY:
            expiry = element.date
    named = {AI_SSCC, AI_GTIN, AI_LOT, AI_EXPIRY, AI_SERIAL, AI_GSRN}
    return Gs1Data(
        element_string=message.value,
        hri=message.as_hri(),
        gtin=values.get(AI_GTIN),
        sscc=values.get(AI_SSCC),
        lot=values.get(AI_LOT),
        serial=values.get(AI_SERIAL),
        expiry=expiry,
        gsrn=values.get(AI_GSRN),
        other={ai: v for ai, v in values.items() if ai not in named},
    )


def build_gs1(
    *,
    gtin: str | None = None,
    sscc: str | None = None,
    expiry: date | None = None,
    lot: str | None = None,
    serial: str | None = None,
) -> Gs1Data:
    """An element string for a label: fixed-length AIs first, GS after each variable field.

    Examples
    --------
    >>> build_gs1(gtin="09506000134352", expiry=date(2026, 12, 31), lot="LOT1").hri
    '(01)09506000134352(17)261231(10)LOT1'
    """
    parts: list[str] = []
    if sscc is not None:
        parts.append(AI_SSCC + sscc)
    if gtin is not None:
        parts.append(AI_GTIN + gtin)
    if expiry is not None:
        parts.append(AI_EXPIRY + expiry.strftime("%y%m%d"))
    variable = [AI_LOT + lot if lot is not None else None, AI_SERIAL + serial if serial else None]
    text = "".join(parts) + GS.join(v for v in variable if v is not None)
    if not text:
        raise InputError("a GS1 label needs at least one of GTIN, SSCC, expiry, lot, serial")
    return parse_gs1(text)


def _problem(field_name: str, value: str, expected: str) -> Problem:
    return Problem(source="scan", locator="GS1", field=field_name, value=value, expected=expected)
