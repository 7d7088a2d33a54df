# SPDX-License-Identifier: Apache-2.0
"""Items 3 and 5: bodies are authenticated before they are read, bounded in size and time, and
read before admission, so slow senders cannot stall the app; the health check says so."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
from sqlalchemy import Engine, text

from tests.conftest import LiveServer

LOGIN_FORM = b"username=dr-test&password=correct-horse-battery&csrf_token=x"


def _raw(server: LiveServer, head: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=20)
    sock.sendall(head.encode())
    return sock


def _status(sock: socket.socket) -> int:
    data = sock.recv(4096)
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0


def _slow_login(server: LiveServer, results: list[tuple[int, float]]) -> None:
    """One byte every 0.4 s of a login form: the attack of the issue, a little faster."""
    started = time.monotonic()
    sock = _raw(
        server,
        "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(LOGIN_FORM)}\r\n\r\n",
    )
    try:
        for byte in LOGIN_FORM:
            try:
                sock.sendall(bytes([byte]))
            except OSError:  # the server answered and closed: stop sending
                break
            sock.settimeout(0.4)
            try:
                status = _status(sock)
            except TimeoutError:
                continue
            results.append((status, time.monotonic() - started))
            return
        sock.settimeout(20)
        results.append((_status(sock), time.monotonic() - started))
    finally:
        sock.close()


def test_slow_bodies_do_not_hold_the_admission_slots(engine: Engine, make_server: Any) -> None:
    server = make_server(max_active_requests=3, body_timeout_s=6.0, body_idle_s=4.0)
    results: list[tuple[int, float]] = []
    senders = [threading.Thread(target=_slow_login, args=(server, results)) for _ in range(3)]
    for sender in senders:
        sender.start()
    time.sleep(0.8)  # the three are sending their bodies now
    for _ in range(3):
        started = time.monotonic()
        page = httpx.get(server.url + "/login", timeout=30)
        assert page.status_code == 200
        assert time.monotonic() - started < 3.0  # before: 37 s (a shared, busy machine: slack)
    # answered while all three were still sending (none had been cut off yet)
    assert results == []
    health = httpx.get(server.url + "/api/v1/health", timeout=30)
    assert health.status_code == 200 and health.json()["waiting"] == 0
    for sender in senders:
        sender.join(timeout=30)
    # each slow sender is cut off when its time is up, with 408 Request Timeout
    assert [status for status, _ in results] == [408, 408, 408]
    assert all(5.5 < took < 12 for _, took in results), results


def test_anonymous_bodies_are_refused_before_they_are_read(
    two_patients: Engine, live_server: LiveServer
) -> None:
    # declares 400 MiB and sends none of it: the 401 comes at once, nothing is read
    sock = _raw(
        live_server,
        "POST /api/v1/patients/PT-A/consent HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\nContent-Length: 419430400\r\n\r\n",
    )
    try:
        started = time.monotonic()
        assert _status(sock) == 401
        assert time.monotonic() - started < 5
    finally:
        sock.close()
    page = httpx.post(
        live_server.url + "/patients/PT-A/consent",
        content=b"purpose=research",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * size
        sent += size


def test_one_size_limit_for_every_route_and_a_larger_one_for_uploads(
    two_patients: Engine, make_server: Any
) -> None:
    server = make_server(
        max_request_bytes=64 * 1024, max_upload_bytes=5 * 1024 * 1024, body_idle_s=1.0
    )
    api = server.client()
    # a logged-in caller declaring 400 MiB of JSON: refused from the header, before reading
    sock = _raw(
        server,
        "POST /api/v1/patients/PT-A/consent HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {server.token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {400 << 20}\r\n\r\n",
    )
    try:
        answer = sock.recv(65536)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 413") and b"ONCOBOARD_MAX_REQUEST_BYTES" in answer
    # chunked (no Content-Length): counted as it arrives, refused past the limit
    chunked = api.post(
        "/api/v1/recommendations/x/decision",
        content=_chunks(8 << 20),
        headers={"Content-Type": "application/json"},
    )
    assert chunked.status_code == 413
    # an upload of 100 KiB is over the request limit but within the upload limit
    maf = (
        b"Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
        b"Tumor_Seq_Allele2\tTumor_Sample_Barcode\n"
    ) + b"".join(f"BRAF\tGRCh38\t7\t{140000000 + n}\tA\tT\tPT-C\n".encode() for n in range(3000))
    assert len(maf) > 64 * 1024
    upload = api.post("/api/v1/imports", files={"file": ("c.maf", maf)})
    assert upload.status_code == 201, upload.text
    # the anonymous login form takes small bodies only
    big_login = httpx.post(server.url + "/login", data={"username": "x" * 40_000, "password": "y"})
    assert big_login.status_code == 413


def test_health_reports_a_server_that_does_not_serve(engine: Engine, make_server: Any) -> None:
    server = make_server(max_active_requests=1, health_stall_s=1.0)
    api = server.client()
    assert httpx.get(server.url + "/api/v1/health").json()["status"] == "ok"
    blocker = engine.connect()
    if engine.dialect.name == "sqlite":
        blocker.exec_driver_sql("SELECT 1")  # begins IMMEDIATE: every unit of work now waits
    else:
        blocker.execute(text("LOCK TABLE audit_head IN EXCLUSIVE MODE"))  # audited commits wait
    stuck = [threading.Thread(target=api.get, args=("/api/v1/patients",)) for _ in range(2)]
    try:
        for thread in stuck:
            thread.start()
        time.sleep(2.0)  # one holds the only slot, the other has waited > 1 s for it
        health = httpx.get(server.url + "/api/v1/health", timeout=30)
        assert health.status_code == 503
        body = health.json()
        assert body["status"] == "not serving" and body["waiting"] == 1
        assert body["oldest_wait_s"] > 1.0 and "waiting for a slot" in body["detail"]
    finally:
        blocker.rollback()
        blocker.close()
        for thread in stuck:
            thread.join(timeout=40)
    assert httpx.get(server.url + "/api/v1/health").status_code == 200
