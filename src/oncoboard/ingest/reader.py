# SPDX-License-Identifier: Apache-2.0
"""The reader protocol every format implements."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from oncoboard.ingest.schemas import ImportOptions, ParsedFact, ProblemLog, SourceFile


class Reader(Protocol):
    """Streams facts from one source; reports problems to ``log`` and keeps going.

    A reader raises ``InputError`` only when it cannot continue at all (not the format,
    unreadable header); everything else goes to ``log`` so validation lists every problem.
    """

    name: str
    version: str
    source_format: str

    def read(
        self, source: SourceFile, options: ImportOptions, log: ProblemLog
    ) -> Iterator[ParsedFact]: ...
