# SPDX-License-Identifier: Apache-2.0
"""Ingest contract: what a reader receives, what it yields, what an import reports."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from oncoboard.errors import InputError, Problem
from oncoboard.record.genomics import GenomeBuild
from oncoboard.record.schemas import AnyFact

SourceFormat = Literal["fhir", "vcf", "maf", "cbioportal", "phenopacket"]


@dataclass(frozen=True)
class SourceFile:
    """A file (or cBioPortal folder) to ingest, identified by its content hash."""

    path: Path
    name: str
    sha256: str
    size: int

    @classmethod
    def from_path(cls, path: Path, name: str | None = None) -> SourceFile:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        digest = hashlib.sha256()
        size = 0
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if path.is_dir():
                digest.update(str(file.relative_to(path)).encode())
            with file.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
                    size += len(chunk)
        return cls(path=path, name=name or path.name, sha256=digest.hexdigest(), size=size)


class ImportOptions(BaseModel):
    """User choices that change what an import produces (part of its idempotency key)."""

    model_config = ConfigDict(frozen=True)
    patient: str | None = None
    genome_build: GenomeBuild | None = None
    tumor_sample: str | None = None
    # OncoTree code given with --tumor-type (checked against the shipped tree by the service).
    tumor_type: str | None = None

    @field_validator("tumor_type")
    @classmethod
    def _upper_code(cls, value: str | None) -> str | None:
        # Every OncoTree code is upper case; "luad" and "LUAD" must share one idempotency key.
        return value.strip().upper() or None if value is not None else None

    def key(self) -> str:
        return json.dumps(self.model_dump(exclude_none=True), sort_keys=True)


@dataclass(frozen=True)
class ParsedFact:
    """A fact as a reader yields it: whose, where in the file, the raw record."""

    patient_key: str
    locator: str
    fact: AnyFact
    raw: str | None = None


# A file with this many problems is not going to be fixed one line at a time: reading stops
# there, so a file of millions of bad records cannot fill memory with their descriptions.
MAX_PROBLEMS = 1000


class TooManyProblems(InputError):
    """Raised by :class:`ProblemLog` at ``MAX_PROBLEMS``: reading stops, nothing is stored."""


@dataclass
class ProblemLog:
    """Collects the problems of one file; readers keep going after each, up to ``limit``."""

    source: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    limit: int = MAX_PROBLEMS

    def add(self, locator: str, field_name: str, value: object, expected: str) -> None:
        self.problems.append(Problem(self.source, locator, field_name, str(value), expected))
        if len(self.problems) >= self.limit:
            raise TooManyProblems(
                f"{self.source}: reading stopped at {locator} after {len(self.problems)} "
                "problems; nothing was imported",
                self.problems,
            )

    def __bool__(self) -> bool:
        return bool(self.problems)


Progress = Callable[[int], None]


class ImportReport(BaseModel):
    """What an import did, for CLI, API and the imports page."""

    import_id: str
    source_name: str
    source_sha256: str
    source_format: str
    importer: str
    importer_version: str
    status: Literal["imported", "unchanged", "valid"]
    fact_counts: dict[str, int]
    patients: list[str]
    notes: list[str]
    imported_at: datetime | None = None
