# SPDX-License-Identifier: Apache-2.0
"""Keyboard-wedge scans: each label kind identified; bad scans are clear, located errors."""

from __future__ import annotations

import pytest

from oncoboard.errors import InputError
from oncoboard.traceability.scan import ScanKind, read_scan


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("=A99991412345600", ScanKind.DIN, "A999914123456"),
        ("]C0=A99991412345600", ScanKind.DIN, "A999914123456"),
        ("=A99991412345600\r\n", ScanKind.DIN, "A999914123456"),  # the wedge's Enter
        ("=<S1234A00", ScanKind.PRODUCT_CODE, "S1234A00"),
        ("&/CHA999923000001", ScanKind.COI, "CHA999923000001"),
        ("]d20109506000134352172612311017\x1d21S1", ScanKind.GS1,
         "(01)09506000134352(17)261231(10)17(21)S1"),
        ("(01)09506000134352(10)L1", ScanKind.GS1, "(01)09506000134352(10)L1"),
        ("MRN-00123", ScanKind.WRISTBAND, "MRN-00123"),
    ],
)  # fmt: skip
def test_scans_are_identified(raw: str, kind: ScanKind, value: str) -> None:
    scan = read_scan(raw)
    assert (scan.kind, scan.value) == (kind, value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("]Q1=A99991412345600", r"wrong symbology: QR Code"),
        ("]E09506000134352", r"wrong symbology: EAN/UPC"),
        ("=A9999141234", r"truncated or not a DIN"),
        ("=<S1234", r"expected 8: truncated"),
        ("]d2010950600013", r"not a GS1 element string"),
        ("=A9999141\x0023456", r"control character U\+0000 at position 10"),
        ("MRN-1\t23", r"control character U\+0009 at position 6"),
        ("=A999914\r12345600", r"control character U\+000D at position 9"),
        ("]C0=A99991412345600\x1d", r"GS1 separator but came from Code 128"),
        ("", "empty scan"),
        ("=%5100", "ISBT 128 data structure this chain does not use"),
        ("patient name; drop", "not a label identifier nor a wristband"),
        ("x" * 201, "longer than any label"),
    ],
)
def test_bad_scans_are_clear_errors(raw: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as error:
        read_scan(raw)
    assert error.value.problems, "every refusal names the scan and what was expected"
