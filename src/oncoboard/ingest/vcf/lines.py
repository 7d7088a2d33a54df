# SPDX-License-Identifier: Apache-2.0
"""The original file's record lines, read forward in step with htslib.

Each fact keeps its record's text exactly as the file has it (``str(variant)`` is htslib's
re-writing: ``QUAL 50.00`` comes back as ``50``), and a record htslib rejects is explained from
its line. htslib inflates the file for itself; our copy of a gzip/bgzip file is inflated on a
helper thread (zlib lets go of the GIL), so the main thread only splits lines: on a machine
with a spare core that is cheaper than ``str(variant)``; without one it costs ~0.5 s of CPU
per 100k records more (``benchmarks/vcf_import.py``).
"""

from __future__ import annotations

import gzip
import queue
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from oncoboard.ingest.vcf.scan import GZIP_MAGIC, READ_ERRORS

CHUNK = 1 << 20
_INPUT = 64 * 1024  # compressed bytes per zlib call: ~2 MiB of VCF text
_GZIP = 16 + zlib.MAX_WBITS
_QUEUED_CHUNKS = 4  # how far the helper thread may read ahead (4 MiB of text)


def inflate(handle: IO[bytes]) -> Iterator[bytes]:
    """The text of a gzip stream of one or more members (bgzip: one per 64 KiB block), in
    pieces of a few MiB; zlib directly, as ``gzip.GzipFile`` adds a Python loop per 8 KiB."""
    stream = zlib.decompressobj(_GZIP)
    started = False
    while data := handle.read(_INPUT):
        while data:
            started = True
            piece = stream.decompress(data)
            if piece:
                yield piece
            if not stream.eof:
                break
            data = stream.unused_data
            stream, started = zlib.decompressobj(_GZIP), False
    if started:
        raise EOFError("compressed file ended before the end-of-stream marker was reached")


class _Inflater:
    """A thread that inflates a gzip/bgzip file chunk by chunk into a short queue."""

    def __init__(self, path: Path) -> None:
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(_QUEUED_CHUNKS)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(path,), name="vcf-lines", daemon=True
        )
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            with path.open("rb") as handle:
                for chunk in inflate(handle):
                    if self._stop.is_set():
                        return
                    self._put(chunk)
            self._put(b"")
        except BaseException as error:  # handed to the reader, which decides
            self._put(error)

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def read(self) -> bytes:
        item = self._queue.get()
        if isinstance(item, BaseException):
            self._queue.put(item)  # every later read fails the same way
            raise item
        return item

    def close(self) -> None:
        self._stop.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join()


class _Plain:
    def __init__(self, path: Path) -> None:
        self._handle: IO[bytes] = path.open("rb")

    def read(self) -> bytes:
        return self._handle.read(CHUNK)

    def close(self) -> None:
        self._handle.close()


class SourceLines:
    """Line ``number`` of the original file (1-based, forward only; the last one is kept)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._source: _Inflater | _Plain | None = None
        self._lines: list[bytes] = []
        self._index = 0
        self._carry = b""
        self._eof = False
        self._number = 0
        self._last: bytes | None = None

    def get(self, number: int) -> bytes | None:
        """The bytes of line ``number`` without its line break; None past the end or behind.
        Read errors of a damaged gzip file are raised."""
        while self._number < number:
            line = self._next()
            if line is None:
                return None
            self._number += 1
            self._last = line
        return self._last if self._number == number else None

    def _next(self) -> bytes | None:
        while self._index >= len(self._lines):
            if self._eof:
                return None
            self._fill()
        line = self._lines[self._index]
        self._index += 1
        return line[:-1] if line.endswith(b"\r") else line

    def _fill(self) -> None:
        if self._source is None:
            self._source = _open(self._path)
        chunk = self._source.read()
        if chunk:
            lines = (self._carry + chunk).split(b"\n")
            self._carry = lines.pop()
        else:
            self._eof = True
            lines = [self._carry] if self._carry else []
            self._carry = b""
        self._lines, self._index = lines, 0

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None


def _open(path: Path) -> _Inflater | _Plain:
    with path.open("rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    return _Inflater(path) if compressed else _Plain(path)


class LineShadow:
    """The record lines beside htslib: each record's own text, and why htslib rejected one."""

    def __init__(self, path: Path, columns: int) -> None:
        self._path = path
        self._columns = columns or 8
        self._lines = SourceLines(path)
        self._readable = True
        self._checked = False
        self._damaged: str | None = None

    def line(self, number: int) -> str | None:
        """Line ``number`` for a message (undecodable bytes replaced); read errors raised."""
        raw = self._lines.get(number)
        return raw.decode("utf-8", errors="replace") if raw is not None else None

    def record(self, number: int) -> str | None:
        """Line ``number`` exactly, for provenance; None when the file cannot give it (the
        caller falls back to htslib's text). Bytes that are not UTF-8 raise, as htslib's
        text would."""
        if not self._readable:
            return None
        try:
            raw = self._lines.get(number)
        except READ_ERRORS:
            self._readable = False  # htslib reports the damage when it reaches it
            return None
        return raw.decode("utf-8") if raw is not None else None

    def diagnose(self, number: int) -> tuple[str, str, str, bool]:
        """(field, value, expected, fatal) for a record htslib could not parse."""
        damage = self._damage()
        if damage is not None:
            return (
                "gzip",
                "truncated or corrupt data",
                f"a complete gzip/bgzip file ({damage})",
                True,
            )
        try:
            text = self.line(number)
        except READ_ERRORS as error:
            return (
                "gzip",
                "truncated or corrupt data",
                f"a complete gzip/bgzip file ({error})",
                True,
            )
        if text is None:
            return "record", "end of file", "a complete VCF record", True
        found = self._columns_problem(text)
        if found is not None:
            return (*found, False)
        return (
            "record",
            text,
            "values htslib can parse (numbers where the header declares Integer/Float)",
            False,
        )

    def check(self, number: int) -> tuple[str, str, str] | None:
        """(field, value, expected) when line ``number`` has the wrong columns or POS, else None."""
        text = self.line(number)
        return self._columns_problem(text) if text is not None else None

    def _columns_problem(self, text: str) -> tuple[str, str, str] | None:
        columns = text.split("\t")
        if len(columns) != self._columns:
            return (
                "columns",
                f"{len(columns)} columns",
                f"{self._columns} tab-separated columns, as the #CHROM line names",
            )
        if not columns[1].isdigit():
            return "POS", columns[1], "a positive integer"
        return None

    def _damage(self) -> str | None:
        """Why the compressed stream is unreadable, checked once: htslib fails a few records
        before the damage, so a failing record is first blamed on the compression."""
        if self._checked:
            return self._damaged
        self._checked = True
        with self._path.open("rb") as probe:
            if probe.read(2) != GZIP_MAGIC:
                return None
        try:
            with gzip.open(self._path, "rb") as stream:
                while stream.read(CHUNK):
                    pass
        except READ_ERRORS as error:
            self._damaged = str(error)
        return self._damaged

    def close(self) -> None:
        self._lines.close()
