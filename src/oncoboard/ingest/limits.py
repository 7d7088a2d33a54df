# SPDX-License-Identifier: Apache-2.0
"""Import bombs: caps on inflated size and line length, and exact duplicate records.

A 1.5 MB gzip inflating to one 1.5 GB line drove the server to 11 GB of memory (htslib, pandas
and ``json`` hold a whole line or document), and a 5 MB gzip of one VCF record repeated stored
2.4 million identical facts. Before any reader sees a file it is streamed once here, a MiB at
a time (``zlib`` with a bounded output per call, so a bomb never inflates at once), and
refused at the first byte past a cap, naming the line. While importing, a record whose exact
text (for the same patient) came earlier in the file is a located problem.

The defaults fit a whole-genome VCF (docs/security.md, "Import limits"): 32 GiB inflated,
lines up to 4 MiB (a VEP ``--everything`` record, or a multi-sample VCF with tens of
thousands of samples), and 256 MiB for a JSON document that is read whole (a FHIR Bundle,
a Phenopacket). Memory for the duplicate check is 8 bytes a record (16 while a batch is open).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from oncoboard.errors import InputError, Problem
from oncoboard.settings import IngestLimits

__all__ = ["DuplicateRecords", "IngestLimits", "check_source"]

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20  # inflated bytes per step: a bomb costs a MiB at a time, never all at once
_INPUT = 64 * 1024
_GZIP = 16 + zlib.MAX_WBITS


def check_source(path: Path, display: str, source_format: str, limits: IngestLimits) -> None:
    """Stream ``path`` (every file of a folder) and raise ``InputError`` at the first cap."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    total = 0
    for file in files:
        name = display if file == path else f"{display}/{file.relative_to(path)}"
        total = _check_file(file, name, source_format, limits, total)


def _check_file(
    path: Path, display: str, source_format: str, limits: IngestLimits, before: int
) -> int:
    """Walk one file's inflated bytes; the running total over the source is returned. A JSON
    document read whole has the document cap and no line cap; NDJSON is streamed like text."""
    document = source_format == "phenopacket" or (
        source_format == "fhir" and not _ndjson(path, display, limits.max_line_bytes)
    )
    size_cap = limits.max_document_bytes if document else limits.max_inflated_bytes
    line_cap = max(limits.max_line_bytes, _CHUNK)
    total, line, current = before, 1, 0
    for chunk in _inflated(path, display):
        total += len(chunk)
        if total > size_cap:
            raise _refused(display, f"line {line}", "size", total, size_cap, document)
        head = chunk.find(b"\n")
        longest = current + (len(chunk) if head < 0 else head)
        if longest > line_cap and not document:
            raise _refused(display, f"line {line}", "line length", longest, line_cap, document)
        if head >= 0:
            line += chunk.count(b"\n")
            current = len(chunk) - chunk.rfind(b"\n") - 1
        else:
            current = longest
    return total


def _ndjson(path: Path, display: str, line_cap: int) -> bool:
    """FHIR Bulk Data NDJSON: a first line that is a whole JSON object, and a second line (the
    reader decides the same way, ``fhir/documents.py``)."""
    head = b""
    for chunk in _inflated(path, display):
        head += chunk
        if head.count(b"\n") >= 2 or len(head) > line_cap:
            break
    lines = head.split(b"\n", 2)  # only the first two lines are looked at
    if len(lines) < 2 or len(lines[0]) > line_cap or not lines[1].strip():
        return False
    try:
        return isinstance(json.loads(lines[0].decode("utf-8").lstrip("\ufeff")), dict)
    except (UnicodeDecodeError, ValueError):
        return False


def _inflated(path: Path, display: str) -> Iterator[bytes]:
    """The file's bytes (inflated when gzip/bgzip), at most ``_CHUNK`` at a time."""
    with path.open("rb") as handle:
        if handle.read(2) != GZIP_MAGIC:
            handle.seek(0)
            while chunk := handle.read(_CHUNK):
                yield chunk
            return
        handle.seek(0)
        stream = zlib.decompressobj(_GZIP)
        while data := handle.read(_INPUT):
            while data:
                try:
                    piece = stream.decompress(data, _CHUNK)
                except zlib.error as error:
                    raise _corrupt(display, error) from error
                if piece:
                    yield piece
                data = stream.unconsumed_tail
                if stream.eof:  # bgzip: another gzip member follows
                    data = stream.unused_data + data
                    stream = zlib.decompressobj(_GZIP)
                    if not data:
                        break


def _corrupt(display: str, error: BaseException) -> InputError:
    return InputError(
        f"{display}: not a readable gzip/bgzip file ({error})",
        [Problem(display, "byte 0", "gzip", "truncated or corrupt", "a complete gzip file")],
    )


def _refused(
    display: str, locator: str, what: str, found: int, cap: int, document: bool
) -> InputError:
    if what == "size":
        setting = (
            "ONCOBOARD_MAX_DOCUMENT_BYTES (a JSON document is read whole)"
            if document
            else "ONCOBOARD_MAX_INFLATED_BYTES"
        )
        message = f"{display}: inflates past {cap:,} bytes ({setting}); nothing was imported"
        expected = f"at most {cap:,} bytes once decompressed"
        value = f"more than {found - 1:,} bytes"
    else:
        message = (
            f"{display}: {locator} is longer than {cap:,} bytes (ONCOBOARD_MAX_LINE_BYTES); "
            "nothing was imported"
        )
        expected = f"lines of at most {cap:,} bytes"
        value = f"at least {found:,} bytes"
    return InputError(message, [Problem(display, locator, what, value, expected)])


_NUMBER = re.compile(r"\d+")


class DuplicateRecords:
    """Finds records whose exact text, for the same patient, came earlier in the file.

    Each record is kept as a 64-bit hash with the number from its locator ("line 12"):
    8 + 8 bytes while a batch is open, then in sorted runs that are merged as they grow.
    Two different records share a hash with probability ~n²/2⁶⁵ (10⁻⁶ at 6 million records).
    """

    def __init__(self, batch: int = 1 << 16) -> None:
        self._batch = batch
        self._open: dict[int, str] = {}
        self._runs: list[tuple[Any, Any]] = []  # numpy arrays: hashes, locator numbers
        self._last_locator: str | None = None
        self.found: list[tuple[str, str]] = []

    def add(self, patient_key: str, locator: str, raw: str | None) -> str | None:
        """The earlier record's locator when this record repeats one, else None. Facts from
        one record (a multi-allelic VCF line) share a locator and count once."""
        if raw is None or locator == self._last_locator:
            return None
        self._last_locator = locator
        key = hash((patient_key, raw))
        earlier = self._open.get(key)
        if earlier is not None:
            return earlier
        self._open[key] = locator
        if len(self._open) >= self._batch:
            self._seal()
        return None

    def finish(self) -> list[tuple[str, str]]:
        """(record, earlier record) for repeats found across batches, in file order."""
        self._seal()
        return self.found

    def _seal(self) -> None:
        if not self._open:
            return
        import numpy as np  # only files of 65,536+ records get here: `import` starts faster

        hashes = np.fromiter(self._open.keys(), dtype=np.int64, count=len(self._open))
        locators = list(self._open.values())
        self._open = {}
        for run_hashes, run_numbers in self._runs:
            at = np.searchsorted(run_hashes, hashes)
            at[at >= len(run_hashes)] = 0
            hits = np.nonzero(run_hashes[at] == hashes)[0]
            for index in hits.tolist():
                locator = locators[index]
                prefix = _NUMBER.split(locator, 1)[0] or "record "
                self.found.append((locator, f"{prefix}{int(run_numbers[at[index]])}".strip()))
        numbers = np.array([_first_number(x) for x in locators], dtype=np.int64)
        order = np.argsort(hashes, kind="stable")
        self._runs.append((hashes[order], numbers[order]))
        while len(self._runs) > 1 and len(self._runs[-1][0]) * 2 >= len(self._runs[-2][0]):
            (h2, n2), (h1, n1) = self._runs.pop(), self._runs.pop()
            merged_h, merged_n = np.concatenate([h1, h2]), np.concatenate([n1, n2])
            order = np.argsort(merged_h, kind="stable")
            self._runs.append((merged_h[order], merged_n[order]))


def _first_number(locator: str) -> int:
    found = _NUMBER.search(locator)
    return int(found.group(0)) if found else 0
