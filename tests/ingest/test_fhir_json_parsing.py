# SPDX-License-Identifier: Apache-2.0
"""``parse_json`` (orjson, with json as the referee) returns exactly what ``json.loads`` returns."""

from __future__ import annotations

import gzip
import json
import math
from typing import Any

import pytest

from oncoboard.ingest.fhir.documents import parse_json
from tests.support import shared_file


def _same(a: Any, b: Any) -> bool:
    """Equal *and* of the same types all the way down (``1 == 1.0`` is not enough here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


@pytest.mark.shared
def test_real_files_parse_identically() -> None:
    folders = [
        ("interop", "synthea", "bundles-r4"),
        ("interop", "fhir-mcode", "examples"),
        ("interop", "fhir-genomics-reporting", "examples"),
    ]
    checked = 0
    for folder in folders:
        for path in sorted(shared_file(*folder).rglob("*.json*")):
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8") as handle:
                text = handle.read()
            assert _same(parse_json(text), json.loads(text)), path
            checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',  # duplicate key: the last one wins in both
        "[12345678901234567890123, -9223372036854775809, 18446744073709551616]",  # beyond 64 bits
        "[NaN, Infinity, -Infinity, 1e400]",  # json reads these; orjson refuses
        '["\\ud800"]',  # a lone surrogate escape: json keeps it
        "[0.1, 1.0, -0.0, 1e-7, 2.5e+3, 123456789012345678, 3.141592653589793238]",
        '{"valueQuantity": {"value": 36.6000000000000014210854715202}}',
    ],
)
def test_edge_cases_parse_like_json(text: str) -> None:
    assert _same(parse_json(text), json.loads(text))


@pytest.mark.parametrize("text", ['{"a": }', "[1, 2", '{"a" 1}', "", "nul"])
def test_errors_are_json_errors(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as found:
        parse_json(text)
    assert (found.value.msg, found.value.lineno, found.value.colno) == (
        expected.value.msg,
        expected.value.lineno,
        expected.value.colno,
    )
