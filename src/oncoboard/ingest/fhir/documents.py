# SPDX-License-Identifier: Apache-2.0
"""Read FHIR JSON files: one resource (a Bundle or any other) or NDJSON, one resource a line.

NDJSON (Bulk Data) is streamed line by line; a JSON document is loaded whole because a Bundle's
references can only be resolved with every entry in hand. Both may be gzip-compressed.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

try:  # optional: a faster parser; json gives the same values without it
    import orjson
except ImportError:  # pragma: no cover - orjson is a declared dependency
    orjson = None  # type: ignore[assignment]

from oncoboard.errors import InputError, Problem
from oncoboard.ingest.schemas import ProblemLog
from oncoboard.runtime import collector_paused


def _open(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip (Synthea ships ``.json.gz``)."""
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    if compressed:
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _decode(data: bytes, display: str, locator: str, offset: int = 0) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = offset + error.start
        raise InputError(
            f"{display}: not UTF-8 text ({error.reason} at byte {byte})",
            [
                Problem(
                    display,
                    f"{locator}, byte {byte}" if locator else f"byte {byte}",
                    "encoding",
                    repr(error.object[error.start : error.start + 4]),
                    "UTF-8 (FHIR JSON is always UTF-8)",
                )
            ],
        ) from error


# orjson reads an integer beyond 64 bits as a float where json keeps an int, so a text that may
# hold one goes to json: 19+ digits standing as a whole JSON value (after ``:``, ``,`` or ``[``,
# before ``,``, ``]`` or ``}``). Digit runs are found on a copy with every digit mapped to "0" and
# everything else to " " (one C pass; a regex over a Synthea bundle's digits costs 20× more).
_DIGIT_SHAPE = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))
_LONG_RUN = b"0" * 19


def _may_hold_long_integer(data: bytes) -> bool:
    shape = data.translate(_DIGIT_SHAPE)
    start = shape.find(_LONG_RUN)
    while start >= 0:
        end = start + len(_LONG_RUN)
        while end < len(shape) and shape[end] == 48:
            end += 1
        before = data[max(0, start - 64) : start].rstrip().removesuffix(b"-").rstrip()[-1:]
        after = data[end : end + 64].lstrip()[:1]
        if before in (b":", b",", b"[") and after in (b",", b"]", b"}"):
            return True
        start = shape.find(_LONG_RUN, end)
    return False


def parse_json(text: str, data: bytes | None = None) -> Any:
    """The same value as ``json.loads(text)`` (#21: orjson parses Synthea bundles faster).

    ``data`` is ``text`` as UTF-8 bytes when the caller has them. orjson refuses what json would
    also refuse and a little more (NaN, lone surrogates, numbers beyond a double): any refusal
    goes to ``json``, whose value or error message stands.
    """
    if orjson is not None and not _may_hold_long_integer(
        text.encode("utf-8") if data is None else data
    ):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def _not_json(display: str, locator: str, error: json.JSONDecodeError, text: str) -> Problem:
    lines = text.splitlines()
    line = lines[error.lineno - 1] if error.lineno <= len(lines) else ""
    where = locator or f"line {error.lineno}, column {error.colno}"
    return Problem(display, where, "JSON", line.strip()[:60], f"valid JSON ({error.msg})")


def documents(path: Path, display: str, log: ProblemLog) -> Iterator[tuple[str, Any]]:
    """Yield ``(locator prefix, parsed JSON)``: ``("", doc)`` for a document, ``("line N", …)`` for NDJSON."""
    with _open(path) as handle:
        first = handle.readline()
        second = handle.readline()
        if _is_ndjson_start(first, second):
            yield from _ndjson(first, second, handle, display, log)
            return
        data = first + second + handle.read()
    text = _decode(data, display, "").lstrip("\ufeff")
    try:
        with collector_paused():  # a bundle is ~10^5 new objects, all kept: nothing to collect
            document = parse_json(text, data)
    except json.JSONDecodeError as error:
        problem = _not_json(display, "", error, text)
        raise InputError(
            f"{display}: not JSON: {error.msg} at {problem.locator}", [problem]
        ) from error
    yield "", document


def _is_ndjson_start(first: bytes, second: bytes) -> bool:
    """NDJSON when the first line is a whole JSON object and another line follows."""
    if not second.strip():
        return False
    try:
        return isinstance(json.loads(first.decode("utf-8").lstrip("\ufeff")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False


def _ndjson(
    first: bytes, second: bytes, handle: IO[bytes], display: str, log: ProblemLog
) -> Iterator[tuple[str, Any]]:
    def lines() -> Iterator[bytes]:
        yield first
        yield second
        yield from handle

    offset = 0
    for number, raw in enumerate(lines(), start=1):
        locator = f"line {number}"
        offset += len(raw)
        if not raw.strip():
            continue
        text = _decode(raw, display, locator, offset - len(raw))
        try:
            yield locator, parse_json(text.lstrip("\ufeff"), raw)
        except json.JSONDecodeError as error:
            log.problems.append(_not_json(display, locator, error, text))
