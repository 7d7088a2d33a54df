# SPDX-License-Identifier: Apache-2.0
"""The contract every knowledge-base importer implements: a pure read of one release file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from oncoboard.errors import Problem
from oncoboard.knowledge.schemas import Assertion, DroppedRow


@dataclass
class KbRead:
    """Everything read from one release: published assertions, dropped rows, blocking problems.

    ``problems`` are quality failures that refuse publication of the whole release (wrong
    format, missing columns, unexpected counts); ``dropped`` rows are published as a list with
    their reasons and do not block.
    """

    source: str
    release: str
    release_date: date | None
    licence: str
    notice: str | None = None
    genome_build: str | None = None
    assertions: list[Assertion] = field(default_factory=list)
    dropped: list[DroppedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # QC inputs (``knowledge/qc.py``): every source record must end up published, dropped or
    # named in a problem; a count the source itself documents is checked too.
    records_read: int = 0
    expected_records: int | None = None
    rows_with_problems: set[str] = field(default_factory=set)


class KbReader(Protocol):
    """Reads one source's release file (or folder) into normalised assertions."""

    source: str

    def read(self, path: Path) -> KbRead: ...
