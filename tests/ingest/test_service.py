# SPDX-License-Identifier: Apache-2.0
"""The import service: all-or-nothing, idempotent, build-safe, located errors for any format."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.errors import Conflict, InputError
from oncoboard.governance import gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.ingest import service
from oncoboard.ingest.maf import MafReader
from oncoboard.ingest.reader import Reader
from oncoboard.ingest.schemas import ImportOptions, ParsedFact, ProblemLog, SourceFile
from oncoboard.store.db import unit_of_work
from tests.support import import_file, row_counts

HEADER = (
    "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
    "Tumor_Seq_Allele2\tTumor_Sample_Barcode\tt_depth\tt_alt_count\tHGVSp_Short\n"
)


def _maf(tmp_path: Path, name: str, build: str, rows: int = 3) -> Path:
    lines = [HEADER] + [
        f"KRAS\t{build}\t12\t{25398284 + i}\tC\tT\tPT-1\t100\t{10 + i}\tp.G12D\n"
        for i in range(rows)
    ]
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8")
    return path


class _CrashingReader:
    """The real MAF reader with a crash injected after some facts were already written."""

    name, version, source_format = "maf", "1.0", "maf"

    def __init__(self, crash_after: int) -> None:
        self._inner = MafReader()
        self._crash_after = crash_after

    def read(
        self, source: SourceFile, options: ImportOptions, log: ProblemLog
    ) -> Iterator[ParsedFact]:
        for number, fact in enumerate(self._inner.read(source, options, log)):
            if number == self._crash_after:
                raise RuntimeError("injected crash: disk pulled mid-import")
            yield fact


def test_crash_mid_import_leaves_nothing_behind(engine: Engine, tmp_path: Path) -> None:
    path = _maf(tmp_path, "big.maf", "GRCh37", rows=40)
    crashing: Reader = _CrashingReader(crash_after=30)
    with pytest.raises(RuntimeError, match="injected crash"), unit_of_work(engine) as session:
        # batch_size 10: three batches are flushed to the database before the crash
        service.import_source(
            session=session,
            source=SourceFile.from_path(path),
            options=ImportOptions(),
            batch_size=10,
            readers=lambda _fmt: crashing,
        )
    assert row_counts(engine) == {"patients": 0, "imports": 0, "facts": 0}
    # and the same file then imports cleanly
    assert import_file(engine, path).fact_counts == {"variant": 40}


def test_genome_build_disagreeing_with_patient_is_refused_naming_both(
    engine: Engine, tmp_path: Path
) -> None:
    import_file(engine, _maf(tmp_path, "a.maf", "GRCh37"))
    before = row_counts(engine)
    with pytest.raises(Conflict, match=r"GRCh38.*GRCh37"):
        import_file(engine, _maf(tmp_path, "b.maf", "GRCh38"))
    assert row_counts(engine) == before


def test_same_content_under_another_name_is_not_duplicated(engine: Engine, tmp_path: Path) -> None:
    first = import_file(engine, _maf(tmp_path, "one.maf", "GRCh37"))
    second = import_file(engine, _maf(tmp_path, "copy-of-one.maf", "GRCh37"))
    assert (first.status, second.status) == ("imported", "unchanged")
    assert row_counts(engine)["facts"] == 3


def test_provenance_names_file_hash_line_and_import(engine: Engine, tmp_path: Path) -> None:
    from oncoboard.record.service import get_patient_record

    path = _maf(tmp_path, "prov.maf", "GRCh37", rows=2)
    report = import_file(engine, path)
    clinician = Actor(username="dr", display_name="Dr", roles=frozenset({Role.CLINICIAN}))
    with unit_of_work(engine) as session:
        access = gate.authorize(
            session,
            actor=clinician,
            action=Action.VIEW_RECORD,
            purpose=Purpose.TREATMENT,
            obj="record",
            patient_id="PT-1",
        )
        record = get_patient_record(session=session, access=access)
    second = record.variants[1]
    assert second.provenance.source_name == "prov.maf"
    assert second.provenance.source_sha256 == SourceFile.from_path(path).sha256
    assert second.provenance.locator == "line 3"
    assert second.provenance.import_id == report.import_id
    assert second.provenance.importer == "maf"


def _bad(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _truncated_gzip(tmp_path: Path) -> Path:
    data = gzip.compress(("##fileformat=VCFv4.2\n" + "#" * 5000).encode())
    return _bad(tmp_path, "cut.vcf.gz", data[: len(data) // 2])


GENERIC_BAD = {
    "empty-file": (lambda t: _bad(t, "empty.vcf", b""), "empty"),
    "whitespace-only": (lambda t: _bad(t, "blank.maf", b"\n\n  \n"), "empty"),
    "unknown-format": (lambda t: _bad(t, "notes.txt", b"hello doctor\n"), "cannot tell the format"),
    "truncated-gzip": (_truncated_gzip, "gzip"),
    "non-utf8-maf": (
        lambda t: _bad(
            t,
            "latin1.maf",
            HEADER.encode() + "KR\xc4S\tGRCh37\t12\t1\tC\tT\tS\t1\t1\tp.G12D\n".encode("latin-1"),
        ),
        "UTF-8",
    ),
}


@pytest.mark.parametrize("case", GENERIC_BAD, ids=list(GENERIC_BAD))
def test_generic_bad_input_is_located_and_writes_nothing(
    engine: Engine, tmp_path: Path, case: str
) -> None:
    make, message = GENERIC_BAD[case]
    path = make(tmp_path)
    with pytest.raises(InputError, match=message) as caught:
        import_file(engine, path)
    assert path.name in str(caught.value)
    assert row_counts(engine) == {"patients": 0, "imports": 0, "facts": 0}


def test_validate_lists_every_problem_with_counts(tmp_path: Path) -> None:
    rows = "".join(f"KRAS\tGRCh37\t12\tx{i}\tC\tT\tPT-1\t100\t10\tp.G12D\n" for i in range(12))
    path = _bad(tmp_path, "many.maf", (HEADER + rows).encode())
    report, log = service.validate_source(
        source=SourceFile.from_path(path), options=ImportOptions()
    )
    assert report.status == "valid" and report.fact_counts == {}
    assert len(log.problems) == 12
    assert [p.locator for p in log.problems][:3] == ["line 2", "line 3", "line 4"]
    assert all(p.field == "Start_Position" and p.expected == "an integer" for p in log.problems)
