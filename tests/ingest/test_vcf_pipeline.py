# SPDX-License-Identifier: Apache-2.0
"""The two-process VCF read (``ingest/vcf/pipeline.py``) stores and reports what one process does.

A large file is read in a forked child while the parent writes; these tests force that path on
the real files and compare it, row by row and problem by problem, with the in-process read.
"""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from oncoboard.errors import Conflict, InputError
from oncoboard.ingest import service
from oncoboard.ingest.schemas import ImportOptions, ProblemLog, SourceFile
from oncoboard.ingest.vcf import pipeline
from oncoboard.ingest.vcf.reader import VcfReader, _Records
from oncoboard.ingest.writer import Prepared, prepare
from oncoboard.record.models import FactRow, RawBlockRow
from oncoboard.store.db import unit_of_work
from tests.ingest.test_vcf_bad_input import BAD_VCFS, HEADER, RECORD, SECOND
from tests.support import row_counts, shared_file

pytestmark = pytest.mark.shared

HCC1395 = ("interop", "vcf", "vep", "HCC1395.pvacseq_example.vep105.annotated.expression.vcf.gz")
# zcat $F | grep -c '^#'  -> 3552 header lines, so data line k is file line 3552 + k
HEADER_LINES = 3552
EMPTY = {"patients": 0, "imports": 0, "facts": 0}


def _both(path: Path, **options: Any) -> tuple[tuple[list[Prepared], ProblemLog], ...]:
    """(rows, log) read in this process, then through the child process."""
    source = SourceFile.from_path(path)
    chosen = ImportOptions(**options)
    here, there = ProblemLog(source=source.name), ProblemLog(source=source.name)
    local = [prepare(p) for p in VcfReader().read(source, chosen, here)]
    piped = list(pipeline.piped(VcfReader().read, source, chosen, there))
    return (local, here), (piped, there)


def test_pipeline_rows_equal_in_process_rows_for_hcc1395() -> None:
    (local, here), (piped, there) = _both(shared_file(*HCC1395))
    # zcat $F | grep -vc '^#' -> 1470 records, every one a single-ALT small variant
    assert len(local) == 1470
    assert piped == local  # payload JSON, raw line, locator, lifted columns: all identical
    assert (there.problems, there.notes) == (here.problems, here.notes)


def test_pipeline_keeps_the_lenient_path_note_and_header_problems() -> None:
    path = shared_file("interop", "vcf", "snpeff", "cancer.ann.vcf")
    (local, here), (piped, there) = _both(path, tumor_sample="Patient_01_Somatic")
    assert piped == local and len(local) == 2
    assert there.notes == here.notes and "sanitised copy" in there.notes[0]
    # without --tumor-sample the header names two samples: one problem, found in the child
    (_, here), (_, there) = _both(path)
    assert there.problems == here.problems
    assert there.problems[0].expected.startswith("--tumor-sample")


def _damaged(tmp_path: Path, bad: dict[int, tuple[int, str]]) -> Path:
    """The first 60 HCC1395 records with some columns replaced: {record: (column, text)}."""
    out = tmp_path / "damaged.vcf"
    with gzip.open(shared_file(*HCC1395), "rt", encoding="utf-8") as handle:
        lines = []
        for line in handle:
            if not line.startswith("#"):
                if len(lines) - HEADER_LINES == 60:
                    break
                record = len(lines) - HEADER_LINES + 1
                if record in bad:
                    columns = line.split("\t")
                    column, text = bad[record]
                    columns[column] = text
                    line = "\t".join(columns)
            lines.append(line)
    out.write_text("".join(lines), encoding="utf-8")
    return out


def test_problems_found_in_the_child_keep_their_locators(tmp_path: Path) -> None:
    path = _damaged(tmp_path, {10: (3, "QQ"), 40: (4, "Z")})  # REF, ALT columns
    (_, here), (_, there) = _both(path)
    assert there.problems == here.problems
    assert [(p.locator, p.field, p.value) for p in there.problems] == [
        (f"line {HEADER_LINES + 10}", "REF", "QQ"),
        (f"line {HEADER_LINES + 40}", "ALT", "Z"),
    ]


def test_a_bad_header_raises_the_same_input_error_from_the_child(tmp_path: Path) -> None:
    path = tmp_path / "no-chrom.vcf"
    path.write_text("##fileformat=VCFv4.2\n1\t10\t.\tA\tT\t.\tPASS\t.\n", encoding="utf-8")
    source = SourceFile.from_path(path)
    with pytest.raises(InputError) as local:
        list(VcfReader().read(source, ImportOptions(), ProblemLog(source=source.name)))
    with pytest.raises(InputError) as piped:
        list(pipeline.piped(VcfReader().read, source, ImportOptions(), ProblemLog(source.name)))
    assert str(piped.value) == str(local.value)
    assert piped.value.problems == local.value.problems


@pytest.fixture
def forced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every VCF import goes through the child process, whatever its size."""
    monkeypatch.setattr(pipeline, "wanted", lambda source: True)


def _import(engine: Engine, path: Path) -> service.ImportReport:
    # batches of 100 rows: a crash mid-file comes after rows were already written
    with unit_of_work(engine) as session:
        return service.import_source(
            session=session,
            source=SourceFile.from_path(path),
            options=ImportOptions(),
            batch_size=100,
        )


def test_piped_import_stores_the_in_process_payloads(engine: Engine, forced: None) -> None:
    path = shared_file(*HCC1395)
    source = SourceFile.from_path(path)
    log = ProblemLog(source=source.name)
    expected = [
        (p.locator, json.loads(prepare(p).payload))
        for p in VcfReader().read(source, ImportOptions(), log)
    ]
    report = _import(engine, path)
    assert report.fact_counts == {"variant": 1470}
    with engine.connect() as connection:
        stored = connection.execute(
            select(FactRow.locator, FactRow.payload).order_by(FactRow.id)
        ).all()
    assert [(locator, payload) for locator, payload in stored] == expected


@pytest.mark.parametrize(
    ("how", "message"),
    [("exit", r"ended before the end of the file \(exit code 3\)"), ("raise", "ZeroDivisionError")],
)
def test_a_crash_in_the_child_leaves_nothing(
    engine: Engine, forced: None, monkeypatch: pytest.MonkeyPatch, how: str, message: str
) -> None:
    record = _Records._record
    parent = os.getpid()

    def crashing(self: _Records, variant: Any, line: int) -> Any:
        if os.getpid() != parent and line > HEADER_LINES + 700:  # after 7 batches were stored
            if how == "exit":
                os._exit(3)
            raise ZeroDivisionError("injected")
        return record(self, variant, line)

    monkeypatch.setattr(_Records, "_record", crashing)
    with pytest.raises(RuntimeError, match=message):
        _import(engine, shared_file(*HCC1395))
    assert row_counts(engine) == EMPTY


def test_problems_in_the_child_refuse_the_whole_file(
    engine: Engine, forced: None, tmp_path: Path
) -> None:
    path = _damaged(tmp_path, {55: (3, "QQ")})
    with pytest.raises(InputError, match=rf"line {HEADER_LINES + 55}: REF") as refused:
        _import(engine, path)
    assert "1 problem(s); 0 of 60 records imported" in str(refused.value)
    assert row_counts(engine) == EMPTY


def test_a_build_conflict_stops_the_child_and_writes_nothing(engine: Engine, forced: None) -> None:
    # cancer.ann.vcf: SnpEffCmd genome GRCh37.75; HCC1395: ##reference=…/human_GRCh38_ens105/…
    first = shared_file("interop", "vcf", "snpeff", "cancer.ann.vcf")
    with unit_of_work(engine) as session:
        service.import_source(
            session=session,
            source=SourceFile.from_path(first),
            options=ImportOptions(patient="HCC1395_TUMOR_DNA", tumor_sample="Patient_01_Somatic"),
        )
    before = row_counts(engine)
    with pytest.raises(Conflict, match=r"line 3553: genome build GRCh38 disagrees"):
        _import(engine, shared_file(*HCC1395))
    assert row_counts(engine) == before
    assert multiprocessing.active_children() == []  # the reader process was stopped


def test_piped_import_stores_each_records_own_line(engine: Engine, forced: None) -> None:
    """The writing process reads the raw lines itself; each fact still gets its own line."""
    path = shared_file(*HCC1395)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        records = [line.rstrip("\n") for line in handle if not line.startswith("#")]
    _import(engine, path)
    with engine.connect() as connection:
        stored = connection.execute(
            select(FactRow.locator, FactRow.raw, FactRow.raw_block, FactRow.raw_index).order_by(
                FactRow.id
            )
        ).all()
        blocks = {row.id: row for row in connection.execute(select(RawBlockRow)).all()}
    raws = [
        raw if raw is not None else RawBlockRow(data=blocks[block].data).record(index)
        for _, raw, block, index in stored
    ]
    assert [locator for locator, *_ in stored] == [
        f"line {HEADER_LINES + k}" for k in range(1, 1471)
    ]
    assert raws == records


def _outcome(path: Path, piped: bool) -> tuple[str, list[Any], int]:
    """(InputError message or "", problems, rows) of a parse, in one process or two."""
    source = SourceFile.from_path(path)
    log = ProblemLog(source=source.name)
    reader = VcfReader()
    try:
        if piped:
            rows = len(list(reader.rows(source, ImportOptions(), log)))
        else:
            rows = len(list(reader.read(source, ImportOptions(), log)))
    except InputError as error:
        return str(error), error.problems, 0
    return "", log.problems, rows


# A byte that is not UTF-8 in the ID column, which htslib hands over untouched and the reader
# never reads: only the line itself shows it, and the writing process reads the lines.
ID_CASE = (HEADER + RECORD + SECOND).encode().replace(b"140753400\t.\t", b"140753400\tr\xe9\t")


@pytest.mark.parametrize("case", [*BAD_VCFS, "non-utf8-id"])
def test_every_bad_file_gets_the_same_located_problems_through_the_pipe(
    forced: None, tmp_path: Path, case: str
) -> None:
    path = tmp_path / f"{case}.vcf"
    path.write_bytes(ID_CASE if case == "non-utf8-id" else BAD_VCFS[case][0])
    local, piped = _outcome(path, piped=False), _outcome(path, piped=True)
    assert piped == local
    assert local[0] or local[1]  # each case is refused somehow
    if case == "non-utf8-id":  # HEADER has 6 lines: SECOND is line 8
        assert [(p.locator, p.field) for p in piped[1]] == [("line 8", "encoding")]
