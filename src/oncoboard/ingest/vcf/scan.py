# SPDX-License-Identifier: Apache-2.0
"""The VCF header read as text before htslib sees it: line numbers, encoding, the lenient path.

htslib (and so cyvcf2, pysam, vcfpy) refuses real annotated files that lack ``##fileformat`` or
start with a stray log line (SnpEff's examples, VEP 76 test output; interop-notes §3.2 item 9).
Those are read through a sanitised temporary copy and the change is noted for provenance.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from oncoboard.errors import InputError, Problem
from oncoboard.ingest.schemas import ProblemLog

GZIP_MAGIC = b"\x1f\x8b"
# The empty BGZF block every complete bgzip file ends with (SAM/BAM spec §4.1.2).
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
SITES_ONLY_HEADER = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"
# Header lines kept for build and tumour-sample detection; the rest is cyvcf2's business.
META_PREFIXES = ("##reference=", "##VEP", "##SnpEffCmd", "##tumor_sample=", "##PEDIGREE")
_MAX_STRAY_LINES = 100
READ_ERRORS = (EOFError, OSError, zlib.error)


def open_binary(path: Path) -> IO[bytes]:
    """Open plain, gzip or bgzip VCF text for reading bytes (bgzip is valid multi-member gzip)."""
    with path.open("rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    return cast(IO[bytes], gzip.open(path, "rb")) if compressed else path.open("rb")


def corrupt_gzip(display: str, error: BaseException) -> InputError:
    return InputError(
        f"{display}: not a readable gzip/bgzip file ({error})",
        [Problem(display, "byte 0", "gzip", "truncated or corrupt", "a complete gzip/bgzip file")],
    )


@dataclass
class HeaderScan:
    """What the text of the header says, with line numbers of the original file."""

    first_record_line: int = 0
    first_meta_line: int = 0
    columns: int = 0
    has_fileformat: bool = False
    stray: list[str] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)
    contig_assembly: str | None = None
    contigs: set[str] = field(default_factory=set)
    first_record: str | None = None

    @property
    def needs_sanitising(self) -> bool:
        return bool(self.stray) or not self.has_fileformat or self.columns == 0

    def take(self, line: str, number: int) -> bool:
        """Consume one header line; True at the first record."""
        if line.startswith("##"):
            if not self.first_meta_line:
                self.first_meta_line = number
                self.has_fileformat = line.startswith("##fileformat=VCF")
            self._keep(line)
            return False
        if line.startswith("#CHROM"):
            self.first_meta_line = self.first_meta_line or number
            self.columns = line.count("\t") + 1
            return False
        if not line.strip():
            return False
        if not self.first_meta_line:
            self.stray.append(line)
            return len(self.stray) > _MAX_STRAY_LINES
        self.first_record, self.first_record_line = line, number
        return True

    def _keep(self, line: str) -> None:
        if line.startswith("##contig=<ID="):
            self.contigs.add(line[13:].split(",", 1)[0].rstrip(">"))
            if self.contig_assembly is None and "assembly=" in line:
                self.contig_assembly = line.split("assembly=", 1)[1].split(",")[0].rstrip(">")
            return
        for prefix in META_PREFIXES:
            if line.startswith(prefix):
                self.meta.setdefault(prefix, []).append(line)


def scan_header(path: Path, display: str) -> HeaderScan:
    """Read the header lines (never the records) and refuse what no VCF reader could use."""
    _check_bgzf_eof(path, display)
    scan = HeaderScan()
    number = 0
    try:
        with open_binary(path) as handle:
            for number, raw in enumerate(handle, start=1):
                if scan.take(raw.decode("utf-8").rstrip("\r\n"), number):
                    break
    except UnicodeDecodeError as error:
        raise InputError(
            f"{display}: line {number}: not UTF-8 text ({error.reason})",
            [
                Problem(
                    display,
                    f"line {number}",
                    "encoding",
                    repr(error.object[error.start : error.start + 4]),
                    "UTF-8 text",
                )
            ],
        ) from error
    except READ_ERRORS as error:
        raise corrupt_gzip(display, error) from error
    _check_structure(scan, display, number)
    if not scan.first_record_line:
        scan.first_record_line = number + 1
    return scan


def _check_bgzf_eof(path: Path, display: str) -> None:
    """A bgzip file cut at a block boundary decompresses cleanly; only its EOF block tells."""
    with path.open("rb") as handle:
        head = handle.read(16)
        if not (head[:2] == GZIP_MAGIC and head[12:14] == b"BC"):
            return
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - len(BGZF_EOF)))
        tail = handle.read()
    if tail != BGZF_EOF:
        raise InputError(
            f"{display}: truncated bgzip file (no BGZF end-of-file block)",
            [Problem(display, f"byte {size}", "bgzip", "no EOF block", "a complete bgzip file")],
        )


def _check_structure(scan: HeaderScan, display: str, last_line: int) -> None:
    if last_line == 0 or (not scan.first_meta_line and not scan.stray):
        raise InputError(
            f"{display}: the file is empty",
            [Problem(display, "line 1", "content", "", "a VCF header and records")],
        )
    if not scan.first_meta_line:
        raise InputError(
            f"{display}: no VCF header (no '##' or '#CHROM' line before the records)",
            [
                Problem(
                    display,
                    "line 1",
                    "header",
                    scan.stray[0][:80],
                    "##fileformat=VCFv4.x and a #CHROM line",
                )
            ],
        )
    if scan.columns == 0 and not _sites_only(scan.first_record):
        line = scan.first_record_line or last_line
        raise InputError(
            f"{display}: line {line}: no #CHROM header line before the records",
            [
                Problem(
                    display,
                    f"line {line}",
                    "#CHROM",
                    (scan.first_record or "")[:80],
                    "a '#CHROM\\tPOS\\tID\\tREF\\tALT…' line naming the columns",
                )
            ],
        )


def _sites_only(record: str | None) -> bool:
    """Eight columns need no #CHROM line to be understood: the VCF spec fixes them."""
    return record is not None and record.count("\t") == 7


@contextmanager
def readable_path(path: Path, scan: HeaderScan, display: str, log: ProblemLog) -> Iterator[Path]:
    """The file itself, or a sanitised temporary copy htslib accepts (noted in ``log.notes``)."""
    if not scan.needs_sanitising:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="oncoboard-vcf-") as folder:
        copy = Path(folder) / "sanitised.vcf"
        _write_sanitised(path, copy, scan)
        log.notes.append(_sanitising_note(display, scan))
        yield copy


def _write_sanitised(path: Path, copy: Path, scan: HeaderScan) -> None:
    with open_binary(path) as source, copy.open("wb") as out:
        if not scan.has_fileformat:
            out.write(b"##fileformat=VCFv4.2\n")
        for number, line in enumerate(source, start=1):
            if number < scan.first_meta_line:
                continue
            if number == scan.first_record_line:
                if scan.columns == 0:
                    out.write(SITES_ONLY_HEADER.encode() + b"\n")
                out.write(line)
                shutil.copyfileobj(source, out, 1 << 20)
                return
            out.write(line)


def _sanitising_note(display: str, scan: HeaderScan) -> str:
    changes = []
    if not scan.has_fileformat:
        changes.append("added the missing ##fileformat=VCFv4.2 line")
    if scan.stray:
        first = scan.stray[0][:60]
        changes.append(f"dropped {len(scan.stray)} line(s) before the header (first: {first!r})")
    if scan.columns == 0:
        changes.append("added the sites-only #CHROM line that was missing")
    return (
        f"{display}: header not readable by htslib as written; read a sanitised copy: "
        + "; ".join(changes)
    )
