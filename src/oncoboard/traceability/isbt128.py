# SPDX-License-Identifier: Apache-2.0
"""ISBT 128 data structures used on cell-therapy labels: structure and check character only.

What is implemented here is the public structure of the data structures and the ISO/IEC 7064
MOD 37-2 check character. ISBT 128 itself is licensed by ICCBBA: Facility Identification Numbers
and the Product Description Code database come from ICCBBA to registered facilities, so product
codes are interpreted through a table the site loads (:class:`ProductCodeTable`), never shipped.

Sources: ICCBBA ST-001 ISBT 128 Standard Technical Specification v6.2.2 (April 2023) §2.4.1
(Data Structure 001, DIN), §2.4.3 (Data Structure 003, Product Code), §2.4.40 (Data Structure
040, Chain of Identity Identifier), Table 3 (DIN flag characters); the MOD 37-2 procedure and
test vectors in docs/clinical-and-regulatory-facts §5.2 (ICCBBA and UK Red Book examples).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from oncoboard.errors import InputError, Problem

# ISO/IEC 7064 MOD 37-2: 0-9 -> 0-9, A-Z -> 10-35, '*' -> 36 (check character only)
MOD37_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
_VALUE = {c: i for i, c in enumerate(MOD37_ALPHABET)}

# ST-001 §2.4.1: α {A-N, P-Z, 1-9}; pppp: two of {A-N, P-Z, 0-9} then two digits; yy and
# nnnnnn digits; flags ff {0-9, A-H, J-N, P, R-Y}
_DIN = re.compile(r"[A-NP-Z1-9][A-NP-Z0-9]{2}[0-9]{2}[0-9]{2}[0-9]{6}")
_FLAGS = re.compile(r"[0-9A-HJ-NPR-Y]{2}")
# ST-001 §2.4.3: α {A-Z}, oooo {A-Z, 0-9}, t {A-Z, a-z, 0-9}, d {A-Z, 0-9}, s {a-z, 0-9}
_PRODUCT = re.compile(r"[A-Z][A-Z0-9]{4}[A-Za-z0-9][A-Z0-9][a-z0-9]")
# ST-001 §2.4.40: "CH", FIN (as in the DIN), yy digits, nnnnnn {A-Z, 0-9}
_COI = re.compile(r"CH[A-NP-Z1-9][A-NP-Z0-9]{2}[0-9]{2}[0-9]{2}[A-Z0-9]{6}")

DIN_IDENTIFIER = "="
PRODUCT_IDENTIFIER = "=<"
COI_IDENTIFIER = "&/"

# ST-001 §2.4.3, mapping of the first character of the Product Description Code
PRODUCT_CATEGORIES: Mapping[str, str] = {
    "E": "blood components", "F": "blood components", "H": "MPHO with INN/USAN names",
    "M": "other therapies", "N": "organs", "P": "regenerated tissue", "R": "reproductive tissue",
    "S": "cellular therapy", "T": "tissue", "V": "ocular tissue", "W": "fecal microbiota",
    "X": "other blood products", "Y": "clinical trials products", "A": "national or local code",
    "B": "national or local code", "C": "national or local code", "D": "local/facility code",
}  # fmt: skip


def mod37_2_value(data: str) -> int:
    """The MOD 37-2 check value (0-36) of ``data`` (characters 0-9, A-Z).

    Examples
    --------
    >>> mod37_2_value("A999914123456")
    23
    """
    p = 0
    for position, char in enumerate(data, start=1):
        if char not in _VALUE or char == "*":
            raise InputError(
                f"character {char!r} at position {position} of {data!r} is not 0-9 or A-Z",
                problems=[_problem("MOD 37-2 input", data, "characters 0-9 and A-Z")],
            )
        p = ((p + _VALUE[char]) * 2) % 37
    return (38 - p) % 37


def mod37_2_check(data: str) -> str:
    """The MOD 37-2 check character of ``data``.

    Examples
    --------
    >>> mod37_2_check("A999914123456"), mod37_2_check("A999922012346")
    ('N', '*')
    """
    return MOD37_ALPHABET[mod37_2_value(data)]


def mod37_2_valid(data_with_check: str) -> bool:
    """True when the last character is the MOD 37-2 check character of the rest."""
    if len(data_with_check) < 2 or any(c not in _VALUE for c in data_with_check):
        return False
    body, check = data_with_check[:-1], data_with_check[-1]
    if "*" in body:
        return False
    return mod37_2_check(body) == check


@dataclass(frozen=True)
class Din:
    """A Donation Identification Number (Data Structure 001) with its flag characters."""

    din: str
    flags: str = "00"

    @property
    def fin(self) -> str:
        """Facility Identification Number (assigned by ICCBBA)."""
        return self.din[:5]

    @property
    def year(self) -> str:
        return self.din[5:7]

    @property
    def sequence(self) -> str:
        return self.din[7:]

    @property
    def check_character(self) -> str:
        """The keyboard-entry check character K printed boxed beside the DIN (ST-001 §7.5)."""
        return mod37_2_check(self.din)

    @property
    def barcode_data(self) -> str:
        """What the Code 128 symbol encodes: '=' + DIN + flags (the check character is not)."""
        return f"{DIN_IDENTIFIER}{self.din}{self.flags}"

    @property
    def eye_readable(self) -> str:
        return f"{self.fin} {self.year} {self.sequence} {self.flags} [{self.check_character}]"


def make_din(fin: str, year: int, sequence: int, flags: str = "00") -> Din:
    """Build a DIN from its parts (the FIN comes from ICCBBA registration).

    Examples
    --------
    >>> make_din("A9999", 2014, 123456).barcode_data
    '=A99991412345600'
    """
    return parse_din(f"{fin}{year % 100:02d}{sequence:06d}{flags}")


def parse_din(text: str) -> Din:
    """A DIN from a scan ('=' + 13 + 2 flags) or a keyboard entry (13 characters + K).

    Type 3 flags (60-96) carry the check value and are verified (ST-001 Table 3).
    """
    value = text[1:] if text.startswith(DIN_IDENTIFIER) else text.replace(" ", "")
    if len(value) == 14 and not text.startswith(DIN_IDENTIFIER):
        din, check = value[:13], value[13]
        _require_din(din, text)
        if mod37_2_check(din) != check:
            raise InputError(
                f"DIN {din}: keyboard check character {check!r} is wrong "
                f"(expected {mod37_2_check(din)!r}): mistyped or misread",
                problems=[_problem("DIN check character", text, "a DIN with its check character")],
            )
        return Din(din)
    if len(value) == 13 and not text.startswith(DIN_IDENTIFIER):
        _require_din(value, text)
        return Din(value)
    if len(value) != 15:
        raise InputError(
            f"DIN scan {text!r} has {len(value)} data characters; expected 15 "
            "(13-character DIN and 2 flag characters): truncated or not a DIN",
            problems=[_problem("ISBT 128 DIN", text, "=αppppyynnnnnnff (16 characters)")],
        )
    din, flags = value[:13], value[13:]
    _require_din(din, text)
    if not _FLAGS.fullmatch(flags):
        raise InputError(
            f"DIN {din}: flag characters {flags!r} are not valid",
            problems=[_problem("DIN flags", text, "two of 0-9, A-H, J-N, P, R-Y")],
        )
    if flags.isdigit() and 60 <= int(flags) <= 96 and int(flags) - 60 != mod37_2_value(din):
        raise InputError(
            f"DIN {din}: flag {flags} carries check value {int(flags) - 60}, but the DIN's "
            f"MOD 37-2 value is {mod37_2_value(din)}: misread label",
            problems=[_problem("DIN flags", text, f"{60 + mod37_2_value(din)}")],
        )
    return Din(din, flags)


def _require_din(din: str, text: str) -> None:
    if not _DIN.fullmatch(din):
        raise InputError(
            f"{din!r} is not a Donation Identification Number",
            problems=[_problem("ISBT 128 DIN", text, "αppppyynnnnnn (FIN, year, sequence)")],
        )


@dataclass(frozen=True)
class ProductCode:
    """A Product Code (Data Structure 003): Product Description Code + t + division code."""

    code: str

    @property
    def description_code(self) -> str:
        return self.code[:5]

    @property
    def collection_type(self) -> str:
        return self.code[5]

    @property
    def division(self) -> str:
        return self.code[6:]

    @property
    def category(self) -> str:
        return PRODUCT_CATEGORIES.get(self.code[0], "not assigned by ST-001 §2.4.3")

    @property
    def barcode_data(self) -> str:
        return f"{PRODUCT_IDENTIFIER}{self.code}"


def parse_product_code(text: str) -> ProductCode:
    value = text[2:] if text.startswith(PRODUCT_IDENTIFIER) else text
    if len(value) != 8 or not _PRODUCT.fullmatch(value):
        raise InputError(
            f"product code scan {text!r} is not an ISBT 128 Product Code"
            + (
                f" ({len(value)} data characters; expected 8: truncated?)"
                if len(value) != 8
                else ""
            ),
            problems=[_problem("ISBT 128 product code", text, "=<αooootds (10 characters)")],
        )
    return ProductCode(value)


@dataclass(frozen=True)
class ChainOfIdentity:
    """An ISBT 128 Chain of Identity Identifier (Data Structure 040): one per therapy event."""

    value: str

    @property
    def issuer_fin(self) -> str:
        return self.value[2:7]

    @property
    def barcode_data(self) -> str:
        return f"{COI_IDENTIFIER}{self.value}"


def parse_coi(text: str) -> ChainOfIdentity:
    value = text[2:] if text.startswith(COI_IDENTIFIER) else text
    if not _COI.fullmatch(value):
        raise InputError(
            f"{text!r} is not an ISBT 128 Chain of Identity Identifier"
            + (
                f" ({len(value)} data characters; expected 15: truncated?)"
                if len(value) != 15
                else ""
            ),
            problems=[_problem("ISBT 128 CoI identifier", text, "&/CHαppppyynnnnnn")],
        )
    return ChainOfIdentity(value)


def make_coi(fin: str, year: int, sequence: int) -> ChainOfIdentity:
    """A CoI identifier issued by the facility ``fin`` (six-character sequence, zero-padded)."""
    return parse_coi(f"CH{fin}{year % 100:02d}{sequence:06d}")


@dataclass(frozen=True)
class ProductCodeTable:
    """A site's licensed Product Description Code table (code → description), as loaded.

    OncoBoard ships none (ICCBBA licenses the database); an empty table interprets nothing and
    says so, and product codes are then checked for structure only.
    """

    version: str = "none loaded"
    descriptions: Mapping[str, str] = field(default_factory=dict)

    def describe(self, code: ProductCode) -> str:
        found = self.descriptions.get(code.description_code)
        if found is not None:
            return found
        if not self.descriptions:
            return f"{code.category}; not interpreted (no ICCBBA product table loaded)"
        raise InputError(
            f"product description code {code.description_code} is not in the loaded product "
            f"table ({self.version})",
            problems=[_problem("product table", code.code, f"a code in table {self.version}")],
        )


def load_product_table(path: Path) -> ProductCodeTable:
    """Read a site's table: CSV with columns ``code,description`` (header required)."""
    problems: list[Problem] = []
    entries: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or {"code", "description"} - set(reader.fieldnames):
            raise InputError(
                f"{path.name}: expected a header with columns code,description",
                problems=[Problem(path.name, "line 1", "header", ",".join(reader.fieldnames or []),
                                  "code,description")],
            )  # fmt: skip
        for line, row in enumerate(reader, start=2):
            code = (row.get("code") or "").strip()
            if not re.fullmatch(r"[A-Z][A-Z0-9]{4}", code):
                problems.append(Problem(path.name, f"line {line}", "code", code, "αoooo"))
                continue
            entries[code] = (row.get("description") or "").strip()
    if problems:
        raise InputError(f"{path.name}: {len(problems)} bad product code rows", problems=problems)
    return ProductCodeTable(version=f"{path.name} ({len(entries)} codes)", descriptions=entries)


def _problem(field: str, value: str, expected: str) -> Problem:
    return Problem(source="scan", locator="ISBT 128", field=field, value=value, expected=expected)
