# SPDX-License-Identifier: Apache-2.0
"""The parts of a cBioPortal study every data type needs: meta files, tables, the sample map."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from oncoboard.errors import InputError, Problem
from oncoboard.ingest.schemas import ProblemLog
from oncoboard.record.genomics import GenomeBuild

# cBioPortal's validator treats these as "no value" (NULL_VALUES in validateData.py, case-insensitive)
_NULL = frozenset(
    {
        "",
        "na",
        "[not available]",
        "[not applicable]",
        "[pending]",
        "[discrepancy]",
        "[completed]",
        "[null]",
        "[unknown]",
        "[not evaluated]",
    }
)


def is_missing(value: str | None) -> bool:
    """True for an empty cell or one of cBioPortal's null spellings (``[Not Available]``, ``NA``)."""
    return value is None or value.strip().lower() in _NULL


@dataclass(frozen=True)
class MetaFile:
    """One ``meta_*.txt``: its ``key: value`` pairs and the line each key sits on."""

    name: str
    fields: dict[str, str]
    lines: dict[str, int]

    def get(self, key: str) -> str | None:
        value = self.fields.get(key)
        return value if value else None

    @property
    def kind(self) -> str:
        """``GENETIC_ALTERATION_TYPE/DATATYPE`` (or the resource type), upper case."""
        alteration = self.fields.get("genetic_alteration_type", "")
        if not alteration and "resource_type" in self.fields:
            return f"RESOURCE/{self.fields['resource_type']}".upper()
        return f"{alteration}/{self.fields.get('datatype', '')}".upper()

    def locator(self, key: str) -> str:
        return f"{self.name}:line {self.lines.get(key, 1)}"


def read_meta(path: Path, log: ProblemLog) -> MetaFile:
    """Parse a meta file; a line that is not ``key: value`` is a located problem."""
    fields: dict[str, str] = {}
    lines: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        log.add(f"{path.name}:byte {error.start}", "encoding", error.reason, "UTF-8 text")
        return MetaFile(path.name, fields, lines)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            log.add(f"{path.name}:line {number}", "meta", line, "a 'key: value' line")
            continue
        fields[key.strip()] = value.strip()
        lines[key.strip()] = number
    return MetaFile(path.name, fields, lines)


@dataclass(frozen=True)
class Table:
    """A tab-separated cBioPortal data file: '#' lines, one header row, then data rows."""

    path: Path
    header: tuple[str, ...]
    header_line: int

    @property
    def name(self) -> str:
        return self.path.name

    def index(self, column: str) -> int | None:
        """Position of ``column``, matched case-insensitively (notes §3.3)."""
        wanted = column.lower()
        for position, name in enumerate(self.header):
            if name.lower() == wanted:
                return position
        return None

    def at(self, column: str) -> int:
        """Position of a column :meth:`require` has checked."""
        position = self.index(column)
        if position is None:
            raise LookupError(f"{self.name}: no column {column}")
        return position

    def require(self, columns: tuple[str, ...], log: ProblemLog) -> bool:
        missing = [c for c in columns if self.index(c) is None]
        for column in missing:
            log.add(f"{self.name}:line {self.header_line}", column, "absent", "a column " + column)
        return not missing

    def rows(self) -> Iterator[tuple[str, list[str]]]:
        """Yield ``("file:line N", cells)``, cells padded to the header width; streams the file."""
        width = len(self.header)
        with self.path.open(encoding="utf-8", newline="") as handle:
            for number, line in enumerate(handle, start=1):
                if number <= self.header_line or line.startswith("#") or not line.strip():
                    continue
                cells = line.rstrip("\r\n").split("\t")
                cells += [""] * (width - len(cells))
                yield f"{self.name}:line {number}", cells


def open_table(path: Path) -> Table:
    """Find the header row of a data file (after cBioPortal's four '#' metadata rows)."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for number, line in enumerate(handle, start=1):
                if line.startswith("#") or not line.strip():
                    continue
                header = tuple(c.strip() for c in line.rstrip("\r\n").split("\t"))
                return Table(path, header, number)
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path.name}: not UTF-8 text",
            [Problem(path.name, f"byte {error.start}", "encoding", error.reason, "UTF-8 text")],
        ) from error
    raise InputError(
        f"{path.name}: no header row",
        [Problem(path.name, "line 1", "header", "", "a tab-separated header row")],
    )


@dataclass
class Study:
    """What later files of a study need from earlier ones (build, samples, cancer type)."""

    folder: Path
    study_id: str
    build: GenomeBuild | None = None
    cancer_type: str | None = None
    cancer_type_line: str = "meta_study.txt:line 1"
    cancer_names: dict[str, str] = field(default_factory=dict)
    patients: set[str] | None = None
    sample_to_patient: dict[str, str] = field(default_factory=dict)
    samples_file: str = "the clinical sample file"
    samples_ok: bool = False

    def patient_of(self, sample: str, locator: str, column: str, log: ProblemLog) -> str | None:
        """The sample's patient, or a located problem when the sample file never defined it."""
        patient = self.sample_to_patient.get(sample)
        if patient is None:
            log.add(locator, column, sample, f"a SAMPLE_ID defined in {self.samples_file}")
        return patient
