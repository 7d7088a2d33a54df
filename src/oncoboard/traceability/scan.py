# SPDX-License-Identifier: Apache-2.0
"""What a keyboard-wedge scanner typed: which identifier it is, or a clear error.

A scan may start with an AIM symbology identifier (]C0 Code 128, ]C1 GS1-128, ]d1/]d2 Data
Matrix); labels in this chain use only those, so any other symbology is refused by name. ISBT 128
data structures are told apart by their data identifiers (=, =<, &/); GS1 strings by their AIs;
anything else can only be a wristband's patient identifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from oncoboard.errors import InputError, Problem
from oncoboard.traceability import gs1, isbt128

MAX_SCAN = 200
ALLOWED_SYMBOLOGIES = {"]C0": "Code 128", "]C1": "GS1-128", "]d1": "Data Matrix",
                       "]d2": "GS1 DataMatrix"}  # fmt: skip
# AIM ISO/IEC 15424 symbology identifier letters of symbologies this chain does not print
OTHER_SYMBOLOGIES = {"A": "Code 39", "E": "EAN/UPC", "I": "Interleaved 2 of 5", "L": "PDF417",
                     "Q": "QR Code", "z": "Aztec", "e": "GS1 DataBar", "F": "Codabar",
                     "G": "Code 93"}  # fmt: skip
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x1c\x1e\x1f\x7f-\x9f]")
# ST-001 §2.4.1: the DIN's first character (the data identifier's second) is A-N, P-Z or 1-9
_DIN_FIRST = frozenset("ABCDEFGHIJKLMNPQRSTUVWXYZ123456789")
_WRISTBAND = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")


class ScanKind(StrEnum):
    DIN = "din"
    PRODUCT_CODE = "product_code"
    COI = "coi"
    GS1 = "gs1"
    WRISTBAND = "wristband"


@dataclass(frozen=True)
class Scan:
    """One scan, identified: its kind, the canonical value compared in matching, the raw text."""

    kind: ScanKind
    value: str  # DIN (13), product code (8), CoI (15), GS1 HRI, or the wristband identifier
    raw: str
    din: isbt128.Din | None = None
    product: isbt128.ProductCode | None = None
    gs1: gs1.Gs1Data | None = None

    @property
    def label(self) -> str:
        return {
            ScanKind.DIN: "ISBT 128 DIN",
            ScanKind.PRODUCT_CODE: "ISBT 128 product code",
            ScanKind.COI: "ISBT 128 chain of identity",
            ScanKind.GS1: "GS1 element string",
            ScanKind.WRISTBAND: "patient wristband",
        }[self.kind]


def read_scan(raw: str) -> Scan:
    """Identify one scan; bad input (control characters, other symbologies, truncated or
    mistyped identifiers) raises ``InputError`` naming the scan and what was expected."""
    text = raw.rstrip("\r\n")
    _refuse_control(text, raw)
    if not text.strip():
        raise InputError("empty scan", problems=[_problem(raw, "a scanned label")])
    if len(text) > MAX_SCAN:
        raise InputError(
            f"scan of {len(text)} characters is longer than any label in this chain ({MAX_SCAN})",
            problems=[_problem(raw[:80], f"at most {MAX_SCAN} characters")],
        )
    symbology, data = _symbology(text, raw)
    if symbology in ("]C1", "]d2") or (GS in data and symbology is None):
        return _gs1_scan(data, raw)
    if GS in data:
        raise InputError(
            f"scan {raw!r} holds a GS1 separator but came from {ALLOWED_SYMBOLOGIES[symbology or ']C0']}",
            problems=[_problem(raw, "GS only inside a GS1 element string")],
        )
    return _identify(data, raw)


def _identify(data: str, raw: str) -> Scan:
    if data.startswith(isbt128.PRODUCT_IDENTIFIER):
        product = isbt128.parse_product_code(data)
        return Scan(ScanKind.PRODUCT_CODE, product.code, raw, product=product)
    if data.startswith(isbt128.COI_IDENTIFIER):
        return Scan(ScanKind.COI, isbt128.parse_coi(data).value, raw)
    if data.startswith(isbt128.DIN_IDENTIFIER) and data[1:2] in _DIN_FIRST:
        din = isbt128.parse_din(data)
        return Scan(ScanKind.DIN, din.din, raw, din=din)
    if data[0] in "=&":
        raise InputError(
            f"scan {raw!r} is an ISBT 128 data structure this chain does not use",
            problems=[_problem(raw, "a DIN (=), product code (=<) or CoI identifier (&/)")],
        )
    if data.startswith("(") or (data.isdigit() and len(data) >= 16):
        return _gs1_scan(data, raw)
    if not _WRISTBAND.fullmatch(data):
        raise InputError(
            f"scan {raw!r} is not a label identifier nor a wristband patient identifier",
            problems=[
                _problem(raw, "ISBT 128, GS1, or a patient identifier (letters, digits, . _ / -)")
            ],
        )
    return Scan(ScanKind.WRISTBAND, data, raw)


GS = gs1.GS


def _gs1_scan(data: str, raw: str) -> Scan:
    parsed = gs1.parse_gs1(data)
    return Scan(ScanKind.GS1, parsed.hri, raw, gs1=parsed)


def _symbology(text: str, raw: str) -> tuple[str | None, str]:
    if not text.startswith("]"):
        return None, text
    prefix = text[:3]
    if prefix in ALLOWED_SYMBOLOGIES:
        if len(text) == 3:
            raise InputError(f"scan {raw!r} has a symbology identifier and no data")
        return prefix, text[3:]
    if _AIM.match(prefix):
        name = OTHER_SYMBOLOGIES.get(prefix[1], f"symbology {prefix}")
        raise InputError(
            f"wrong symbology: {name} ({prefix}); labels in the chain of identity are Code 128 "
            "(ISBT 128, GS1-128) or GS1 DataMatrix",
            problems=[_problem(raw, "Code 128 (]C0/]C1) or Data Matrix (]d1/]d2)")],
        )
    raise InputError(f"scan {raw!r} starts with ']' but no symbology identifier")


def _refuse_control(text: str, raw: str) -> None:
    found = _CONTROL.search(text)
    if found is None:
        return
    where, char = found.start(), found.group()
    raise InputError(
        f"scan contains control character U+{ord(char):04X} at position {where + 1}: "
        "check the scanner's keyboard settings (only GS may appear, inside GS1 data)",
        problems=[_problem(raw.encode("unicode_escape").decode(), "printable characters")],
    )


def _problem(value: str, expected: str) -> Problem:
    return Problem(
        source="scan", locator="scan field", field="scan", value=value, expected=expected
    )
