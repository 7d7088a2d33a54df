# SPDX-License-Identifier: Apache-2.0
"""Item 4: import bombs are refused early, in bounded memory, with a located error."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.errors import InputError
from oncoboard.ingest.limits import DuplicateRecords, check_source
from oncoboard.ingest.schemas import MAX_PROBLEMS
from oncoboard.settings import IngestLimits
from tests.conftest import LiveServer
from tests.security.conftest import HEADER
from tests.support import import_file, row_counts

EMPTY = {"patients": 0, "imports": 0, "facts": 0}
VCF_HEAD = (
    "##fileformat=VCFv4.2\n##reference=GRCh38\n##contig=<ID=chr7>\n"
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl '
    'VEP. Format: Allele|Consequence|SYMBOL">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
)
RECORD = "chr7\t140753336\t.\tA\tT\t50\tPASS\tCSQ=T|missense_variant|BRAF\n"


def one_line_bomb(path: Path, inflated_mib: int = 1500) -> Path:
    """The issue's bomb: a VCF header, then one line of ``inflated_mib`` MiB. Built from one
    gzip member of 1 MiB repeated (a valid multi-member gzip): ~1 KB a MiB on disk."""
    block = gzip.compress(b"A" * (1 << 20), compresslevel=9)
    with path.open("wb") as out:
        out.write(gzip.compress((VCF_HEAD + "chr7\t1\t.\tA\tT\t.\tPASS\t").encode()))
        for _ in range(inflated_mib):
            out.write(block)
    return path


def repeated_record_bomb(path: Path, copies: int) -> Path:
    """A record repeated ``copies`` times: 2.4 million identical facts before."""
    stream = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    with path.open("wb") as out:
        out.write(stream.compress(VCF_HEAD.encode()))
        chunk = (RECORD * 10_000).encode()
        for _ in range(copies // 10_000):
            out.write(stream.compress(chunk))
        out.write(stream.flush())
    return path


def test_one_line_gzip_bomb_is_refused_at_the_line_cap_in_little_memory(tmp_path: Path) -> None:
    bomb = one_line_bomb(tmp_path / "bomb.vcf.gz")
    assert bomb.stat().st_size < 3 << 20  # 1.5 GB once inflated
    # run as a user would, in its own process, and read that process's peak memory
    script = (
        "import sys\n"
        "from oncoboard.errors import InputError\n"
        "from oncoboard.ingest import service\n"
        "from oncoboard.ingest.schemas import ImportOptions, SourceFile\n"
        "try:\n"
        f"    service.validate_source(source=SourceFile.from_path(__import__('pathlib').Path({str(bomb)!r})), options=ImportOptions())\n"
        "except InputError as error:\n"
        "    print(error.problems[0].locator, error.problems[0].field, str(error).splitlines()[0])\n"
        # VmHWM: this process's own peak (ru_maxrss would include the forked test runner's)
        "status = open('/proc/self/status').read()\n"
        "print('peak', status.split('VmHWM:')[1].split()[0])\n"
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "line 6 line length" in result.stdout and "ONCOBOARD_MAX_LINE_BYTES" in result.stdout
    peak_kib = int(result.stdout.rsplit("peak", 1)[1])
    assert peak_kib < 400 * 1024, result.stdout  # before: 11 GB
    assert took < 60


def test_the_bomb_uploaded_over_http_is_a_located_422(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    bomb = one_line_bomb(tmp_path / "bomb.vcf.gz", inflated_mib=200)
    started = time.monotonic()
    answer = live_server.client().post(
        "/api/v1/imports",
        files={"file": ("bomb.vcf.gz", bomb.read_bytes())},
        data={"patient": "PT-X", "genome_build": "GRCh38"},
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()["problems"][0]
    assert (problem["locator"], problem["field"]) == ("line 6", "line length")
    assert time.monotonic() - started < 30
    assert row_counts(engine) == EMPTY


def test_a_record_repeated_two_million_times_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    bomb = repeated_record_bomb(tmp_path / "repeat.vcf.gz", 2_400_000)
    assert bomb.stat().st_size < 6 << 20
    started = time.monotonic()
    with pytest.raises(InputError, match=f"after {MAX_PROBLEMS} problems") as refused:
        import_file(engine, bomb, patient="PT-R", genome_build="GRCh38")
    assert time.monotonic() - started < 60  # stops after the first thousand repeats
    first = refused.value.problems[0]
    assert first.locator == "line 7" and "not an exact repeat of line 6" in first.expected
    assert row_counts(engine) == EMPTY


def test_exact_duplicate_rows_are_located_errors_in_any_format(
    engine: Engine, tmp_path: Path
) -> None:
    maf = tmp_path / "dup.maf"
    row = "BRAF\tGRCh38\t7\t140753336\tA\tT\tPT-A\n"
    other = "KRAS\tGRCh38\t12\t25245350\tC\tT\tPT-A\n"
    maf.write_text(HEADER + row + other + row)
    with pytest.raises(InputError) as refused:
        import_file(engine, maf)
    [problem] = refused.value.problems
    assert problem.locator == "line 4" and "line 2" in problem.expected
    assert row_counts(engine) == EMPTY
    # the same row for two different patients is not a duplicate
    maf.write_text(HEADER + row + row.replace("PT-A", "PT-B"))
    assert import_file(engine, maf).status == "imported"


def test_duplicates_are_found_across_batches_in_little_memory() -> None:
    finder = DuplicateRecords(batch=4)
    records = [f"record {n}" for n in range(40)]
    for number, text in enumerate(records, start=1):
        assert finder.add("P", f"line {number}", text) is None
    assert finder.add("P", "line 41", "record 3") is None  # an earlier batch: found at the end
    assert finder.add("P", "line 42", "record 41") is None
    assert finder.add("P", "line 43", "record 41") == "line 42"  # same batch: at once
    assert finder.finish() == [("line 41", "line 4")]


def test_json_documents_and_ndjson_lines_have_their_own_caps(tmp_path: Path) -> None:
    small = IngestLimits(max_document_bytes=1 << 20, max_line_bytes=1 << 20)
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": []}
    document = tmp_path / "bundle.json.gz"
    padding = [{"resource": {"resourceType": "Basic", "id": f"b{n}"}} for n in range(40_000)]
    document.write_bytes(gzip.compress(json.dumps({**bundle, "entry": padding}).encode()))
    with pytest.raises(InputError, match="ONCOBOARD_MAX_DOCUMENT_BYTES"):
        check_source(document, document.name, "fhir", small)
    # a minified document on one line is fine below the document cap, however long its line
    one_line = tmp_path / "one.json"
    one_line.write_text(json.dumps({**bundle, "entry": padding[:9000]}))
    assert one_line.stat().st_size < 1 << 20
    check_source(one_line, one_line.name, "fhir", small)
    # NDJSON is streamed: its lines are capped, not its size
    ndjson = tmp_path / "bulk.ndjson"
    line = json.dumps({"resourceType": "Patient", "id": "p"})
    ndjson.write_text(f"{line}\n{line}\n" + json.dumps({"x": "y" * (2 << 20)}) + "\n")
    with pytest.raises(InputError, match="line 3 is longer than") as refused:
        check_source(ndjson, ndjson.name, "fhir", small)
    assert refused.value.problems[0].locator == "line 3"


def test_a_file_of_bad_records_stops_at_the_problem_cap(engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.vcf"
    bad.write_text(
        VCF_HEAD + "".join(f"chr7\t{n}\t.\tQ\tT\t50\tPASS\tCSQ=T|x|B\n" for n in range(1, 5001))
    )
    with pytest.raises(InputError, match=f"reading stopped at line {MAX_PROBLEMS + 5}") as stop:
        import_file(engine, bad, patient="PT-Q", genome_build="GRCh38")
    assert len(stop.value.problems) == MAX_PROBLEMS
    assert row_counts(engine) == EMPTY


def test_real_compressed_files_pass_the_caps() -> None:
    from tests.support import shared_file

    for parts in (
        ("interop", "vcf"),
        ("interop", "synthea"),
    ):
        folder = shared_file(*parts)
        for path in sorted(folder.rglob("*.gz"))[:5]:
            fmt = "fhir" if "synthea" in parts else "vcf"
            check_source(path, path.name, fmt, IngestLimits())
