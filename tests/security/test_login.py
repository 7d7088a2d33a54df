# SPDX-License-Identifier: Apache-2.0
"""Item 9: no user-name enumeration by timing or answer; back-off, not a lock-out."""

from __future__ import annotations

import statistics
import time

import httpx
from sqlalchemy import Engine

from oncoboard.governance.login import ACCOUNT_FROM_ADDRESS, ADDRESS, delay_s
from tests.conftest import TEST_PASSWORD, TEST_USER, LiveServer
from tests.security.conftest import client_for


def _token(server: LiveServer, username: str, password: str, address: str) -> httpx.Response:
    # the test server trusts X-Forwarded-For from 127.0.0.1 (uvicorn's default), as a site's
    # reverse proxy would: it stands for the client address
    return httpx.post(
        f"{server.url}/api/v1/auth/token",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
        timeout=30,
    )


def test_unknown_and_known_names_answer_alike_and_in_the_same_time(
    engine: Engine, live_server: LiveServer
) -> None:
    known, unknown = [], []
    for attempt in range(8):  # each from its own address: the back-off is not what is timed
        for name, times in ((TEST_USER, known), ("no-such-user", unknown)):
            started = time.perf_counter()
            answer = _token(live_server, name, "wrong-password-1", f"10.9.{attempt}.{len(times)}")
            times.append(time.perf_counter() - started)
            assert answer.status_code == 401
            assert answer.json()["detail"] == "wrong username or password"
    ratio = statistics.median(known) / statistics.median(unknown)
    # before: 316 ms against 6 ms (×50); both now verify one argon2 hash
    assert 0.5 < ratio < 2.0, (known, unknown)


def test_wrong_passwords_slow_down_the_guesser_but_do_not_lock_out_the_owner(
    engine: Engine, live_server: LiveServer
) -> None:
    attacker, owner = "10.1.1.1", "10.2.2.2"
    for _ in range(ACCOUNT_FROM_ADDRESS.free):
        assert _token(live_server, TEST_USER, "guess-guess-guess", attacker).status_code == 401
    throttled = _token(live_server, TEST_USER, TEST_PASSWORD, attacker)
    assert throttled.status_code == 429
    wait = int(throttled.headers["Retry-After"])
    assert 1 <= wait <= delay_s(ACCOUNT_FROM_ADDRESS, ACCOUNT_FROM_ADDRESS.free)
    assert "wait" in throttled.json()["detail"]
    # the owner, from elsewhere, is not locked out (before: 15 minutes after 5 failures)
    assert _token(live_server, TEST_USER, TEST_PASSWORD, owner).status_code == 201
    # and the guesser's wait is a back-off: once it has passed, the right password works
    time.sleep(wait + 0.2)
    assert _token(live_server, TEST_USER, TEST_PASSWORD, attacker).status_code == 201


def test_one_address_spraying_many_accounts_is_throttled(
    engine: Engine, live_server: LiveServer
) -> None:
    sprayer = "10.3.3.3"
    for number in range(ADDRESS.free):
        assert _token(live_server, f"user-{number}", "Winter2026!!", sprayer).status_code == 401
    assert _token(live_server, "user-x", "Winter2026!!", sprayer).status_code == 429
    assert _token(live_server, TEST_USER, TEST_PASSWORD, "10.4.4.4").status_code == 201


def test_the_web_login_form_backs_off_too(engine: Engine, live_server: LiveServer) -> None:
    import re

    client = client_for(live_server.url, headers={"X-Forwarded-For": "10.5.5.5"})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert csrf is not None
    form = {"username": TEST_USER, "password": "nope-nope-nope", "csrf_token": csrf.group(1)}
    codes = [client.post("/login", data=form).status_code for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    last = client.post("/login", data=form)
    assert last.status_code == 429 and "Retry-After" in last.headers
    assert "too many failed logins" in last.text
