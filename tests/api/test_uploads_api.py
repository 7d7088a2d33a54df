# SPDX-License-Identifier: Apache-2.0
"""Uploads over a real server: located 422s, 413 both ways, unsafe names, idempotent re-upload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from oncoboard.settings import Settings
from tests.conftest import LiveServer
from tests.support import row_counts

PROBLEM = "application/problem+json"
HEADER = (
    "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
    "Tumor_Seq_Allele2\tTumor_Sample_Barcode\tt_depth\tt_alt_count\n"
)
GOOD = HEADER + "BRAF\tGRCh37\t7\t140453136\tA\tT\tPT-9\t100\t45\n"


def _stored(settings: Settings) -> list[Path]:
    """Every file under the upload folder (it may not even exist)."""
    folder = settings.upload_dir
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _empty(engine: Engine) -> bool:
    return not any(row_counts(engine).values())


def test_bad_file_is_422_with_located_problems(
    engine: Engine, live_server: LiveServer, settings: Settings
) -> None:
    text = (
        HEADER
        + "BRAF\tGRCh37\t7\tabc\tA\tT\tPT-9\t100\t45\nKRAS\tGRCh37\t12\t25398284\tCZ\tT\tPT-9\t100\t5\n"
    )
    response = live_server.client().post(
        f"{live_server.url}/api/v1/imports", files={"file": ("bad.maf", text.encode())}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    located = {(p["locator"], p["field"]) for p in body["problems"]}
    # header is line 1, so the data rows are lines 2 and 3
    assert located == {("line 2", "Start_Position"), ("line 3", "Reference_Allele")}
    assert body["problem_count"] == 2 and "0 of 2 records imported" in body["detail"]
    assert _stored(settings) == [] and _empty(engine)


def test_upload_imports_once_and_reupload_is_unchanged(
    engine: Engine, live_server: LiveServer, settings: Settings
) -> None:
    url = f"{live_server.url}/api/v1/imports"
    first = live_server.client().post(url, files={"file": ("braf.maf", GOOD.encode())})
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "imported" and first.json()["patients"] == ["PT-9"]
    counts = row_counts(engine)
    second = live_server.client().post(url, files={"file": ("braf-again.maf", GOOD.encode())})
    assert second.status_code == 200
    assert second.json()["status"] == "unchanged"
    assert second.json()["import_id"] == first.json()["import_id"]
    assert row_counts(engine) == counts and counts["facts"] == 1
    assert [p.name for p in _stored(settings)] == ["braf.maf"]
    ledger = live_server.client().get(url).json()
    assert [i["source_name"] for i in ledger] == ["braf.maf"]


def test_upload_options_reach_the_importer(
    engine: Engine, live_server: LiveServer, settings: Settings
) -> None:
    no_build = (
        "Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\t"
        "Tumor_Sample_Barcode\nBRAF\t7\t140753336\tA\tT\tS-1\n"
    )
    response = live_server.client().post(
        f"{live_server.url}/api/v1/imports",
        files={"file": ("nobuild.maf", no_build.encode())},
        data={"patient": "PT-42", "genome_build": "GRCh38"},
    )
    assert response.status_code == 201, response.text
    record = live_server.client().get(f"{live_server.url}/api/v1/patients/PT-42").json()
    assert record["genome_builds"] == ["GRCh38"]


def test_genome_build_conflict_is_409_and_rolled_back(
    engine: Engine, live_server: LiveServer, settings: Settings
) -> None:
    url = f"{live_server.url}/api/v1/imports"
    assert (
        live_server.client().post(url, files={"file": ("braf.maf", GOOD.encode())}).status_code
        == 201
    )
    counts = row_counts(engine)
    grch38 = GOOD.replace("GRCh37", "GRCh38")
    response = live_server.client().post(url, files={"file": ("braf38.maf", grch38.encode())})
    assert response.status_code == 409 and response.headers["content-type"] == PROBLEM
    assert row_counts(engine) == counts and len(_stored(settings)) == 1


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "a/b.maf", "..", "..\\x.maf", ".hidden.maf", "x.maf\x00.txt"]
)
def test_unsafe_upload_name_is_refused_and_nothing_written(
    engine: Engine, live_server: LiveServer, settings: Settings, name: str
) -> None:
    response = live_server.client().post(
        f"{live_server.url}/api/v1/imports", files={"file": (name, GOOD.encode())}
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == PROBLEM
    if response.status_code == 422:
        assert response.json()["problems"][0]["field"] == "filename"
    assert _stored(settings) == [] and _empty(engine)
    assert not (settings.upload_dir / "../../etc/passwd").resolve().exists()


def test_too_large_by_content_length_is_413(
    engine: Engine, live_server: LiveServer, settings: Settings
) -> None:
    big = GOOD.encode() + b"#" * (settings.max_upload_bytes + 100_000)
    response = live_server.client().post(
        f"{live_server.url}/api/v1/imports", files={"file": ("big.maf", big)}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert str(settings.max_upload_bytes) in response.json()["detail"]
    assert _stored(settings) == [] and _empty(engine)


def test_file_just_over_the_limit_is_413(
    engine: Engine, live_server: LiveServer, settings: Settings
) -> None:
    """Within the multipart allowance of the body check, so the file copy itself refuses it."""
    body = GOOD.encode() + b"\n" * (settings.max_upload_bytes - len(GOOD) + 1)
    response = live_server.client().post(
        f"{live_server.url}/api/v1/imports", files={"file": ("edge.maf", body)}
    )
    assert response.status_code == 413
    assert _stored(settings) == [] and _empty(engine)


def _multipart(filename: str, parts: Iterator[bytes], boundary: str) -> Iterator[bytes]:
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    yield from parts
    yield f"\r\n--{boundary}--\r\n".encode()


def test_too_large_streamed_without_content_length_is_413(
    engine: Engine, live_server: LiveServer, settings: Settings
) -> None:
    boundary = "oncoboard-test-boundary"
    chunks = (b"#" * 65536 for _ in range(settings.max_upload_bytes // 65536 + 4))
    request = httpx.Request(
        "POST",
        f"{live_server.url}/api/v1/imports",
        content=_multipart("big.maf", chunks, boundary),
        headers={
            "content-type": f"multipart/form-data; boundary={boundary}",
            **live_server.headers,
        },
    )
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    with httpx.Client() as client:
        response = client.send(request)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert _stored(settings) == [] and _empty(engine)


def test_streamed_upload_within_the_limit_is_imported(
    engine: Engine, live_server: LiveServer, settings: Settings
) -> None:
    boundary = "oncoboard-test-boundary"
    lines = iter([GOOD.encode()])
    response = live_server.client().post(
        f"{live_server.url}/api/v1/imports",
        content=_multipart("streamed.maf", lines, boundary),
        headers={
            "content-type": f"multipart/form-data; boundary={boundary}",
            **live_server.headers,
        },
    )
    assert response.status_code == 201, response.text
    assert row_counts(engine)["facts"] == 1
