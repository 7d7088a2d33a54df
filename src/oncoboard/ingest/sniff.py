# SPDX-License-Identifier: Apache-2.0
"""Tell a file's format from its content, not its name."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from oncoboard.errors import InputError, Problem
from oncoboard.ingest.schemas import SourceFormat

HEAD_BYTES = 256 * 1024


def read_head(path: Path, limit: int = HEAD_BYTES) -> bytes:
    """First bytes of a file, decompressed when it is gzip/bgzip."""
    with path.open("rb") as handle:
        magic = handle.read(2)
    if magic == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as handle:
                return handle.read(limit)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(
                f"{path.name}: not a readable gzip file ({exc})",
                [
                    Problem(
                        path.name, "byte 0", "gzip", "truncated or corrupt", f"valid gzip ({exc})"
                    )
                ],
            ) from exc
    with path.open("rb") as handle:
        return handle.read(limit)


def sniff(path: Path) -> SourceFormat:
    """Return the format of ``path`` or raise ``InputError`` saying what was expected."""
    if path.is_dir():
        if (path / "meta_study.txt").exists():
            return "cbioportal"
        raise InputError(f"{path}: a folder but not a cBioPortal study (no meta_study.txt)")
    head = read_head(path)
    if not head.strip():
        raise InputError(
            f"{path.name}: the file is empty",
            [
                Problem(
                    path.name,
                    "line 1",
                    "content",
                    "",
                    "a FHIR, VCF, MAF, cBioPortal or Phenopacket file",
                )
            ],
        )
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return "phenopacket" if "phenopacketSchemaVersion" in text else "fhir"
    if "##fileformat=VCF" in text or "\n#CHROM\t" in text or text.startswith("#CHROM\t"):
        return "vcf"
    if "##INFO=<" in text:
        return "vcf"
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        columns = {c.strip().lower() for c in line.split("\t")}
        if (
            "hugo_symbol" in columns
            or {"chromosome", "start_position", "tumor_seq_allele2"} <= columns
        ):
            return "maf"
        break
    raise InputError(
        f"{path.name}: cannot tell the format",
        [
            Problem(
                path.name,
                "line 1",
                "content",
                text.splitlines()[0][:60] if text else "",
                "FHIR JSON, VCF (##fileformat/#CHROM), MAF (Hugo_Symbol header), a "
                "cBioPortal study folder or a Phenopacket",
            )
        ],
    )
