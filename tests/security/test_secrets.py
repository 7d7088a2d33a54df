# SPDX-License-Identifier: Apache-2.0
"""Item 1: weak or published secrets never sign production cookies; dev makes its own secret."""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import Engine

from oncoboard.settings import DEV_SECRET, Settings, load_or_create_secret
from oncoboard.store.db import make_engine
from oncoboard.store.migrate import upgrade
from tests.conftest import LiveServer

STRONG = secrets.token_urlsafe(32)


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("", "is not set"),
        ("x", "too short: 1 characters"),
        (DEV_SECRET, "published default"),
        ("changeme", "published default"),
        (secrets.token_hex(16), "too short: 32 characters ≈ 128 bits"),
        ("a" * 64, "does not look random"),
        ("abab" * 16, "does not look random"),
    ],
    ids=["empty", "one-char", "dev-default", "changeme", "16-bytes-hex", "aaaa", "abab"],
)
def test_prod_refuses_weak_and_published_secrets(secret: str, reason: str) -> None:
    with pytest.raises(ValueError, match="ONCOBOARD_SECRET_KEY") as refused:
        Settings(env="prod", secret_key=secret)
    assert reason in str(refused.value) and "token_urlsafe(32)" in str(refused.value)


def test_prod_accepts_32_random_bytes_in_hex_or_base64() -> None:
    for strong in (secrets.token_hex(32), secrets.token_urlsafe(32)):
        assert Settings(env="prod", secret_key=strong).signing_secret() == strong


def _forged_cookie(secret: str) -> str:
    """What an attacker who knows the secret signs: a session naming the local admin."""
    payload = base64.b64encode(json.dumps({"user": "site-admin", "sid": "x"}).encode())
    return TimestampSigner(secret).sign(payload).decode()


def test_a_cookie_signed_with_the_published_secret_no_longer_logs_in(
    engine: Engine, live_server: LiveServer
) -> None:
    for secret in (DEV_SECRET, ""):
        cookies = {"oncoboard_session": _forged_cookie(secret or "x")}
        page = httpx.get(live_server.url + "/", cookies=cookies, follow_redirects=False)
        api = httpx.get(live_server.url + "/api/v1/me", cookies=cookies)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert api.status_code == 401


def test_dev_generates_a_private_secret_per_database(tmp_path: Path) -> None:
    first = Settings(env="dev", database_url=f"sqlite:///{tmp_path / 'a.sqlite3'}")
    other = Settings(env="dev", database_url=f"sqlite:///{tmp_path / 'b.sqlite3'}")
    secret = first.signing_secret()
    path = tmp_path / "a.sqlite3.secret-key"
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret != DEV_SECRET and len(secret) >= 43
    # the same database keeps its secret (sessions survive a restart); another gets its own
    again = Settings(env="dev", database_url=f"sqlite:///{tmp_path / 'a.sqlite3'}")
    assert again.signing_secret() == secret
    assert other.signing_secret() != secret
    assert load_or_create_secret(path) == secret


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_writes_no_secret_file(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its secret dies with it: no 'sqlite:/.secret-key' file in the working folder."""
    monkeypatch.chdir(tmp_path)
    settings = Settings(env="dev", database_url=url, upload_dir=tmp_path / "uploads")
    secret = settings.signing_secret()
    assert len(secret) >= 43 and settings.signing_secret() == secret
    assert settings.anchor_path() is None
    assert list(tmp_path.rglob("*")) == []


def test_prod_with_a_one_character_secret_does_not_start(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    result = subprocess.run(
        [sys.executable, "-c", "from oncoboard.cli.main import run; run()",
         "--database-url", f"sqlite:///{db}", "serve"],
        env={**os.environ, "ONCOBOARD_ENV": "prod", "ONCOBOARD_SECRET_KEY": "x"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2 and "ONCOBOARD_SECRET_KEY is too short" in result.stderr


def test_serving_dev_on_all_interfaces_warns(tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite3"
    upgrade(make_engine(f"sqlite:///{db}"))
    with socket_port() as port:
        process = subprocess.Popen(
            [sys.executable, "-c", "from oncoboard.cli.main import run; run()",
             "--database-url", f"sqlite:///{db}", "serve", "--host", "0.0.0.0", "--port", str(port)],
            env={**os.environ, "ONCOBOARD_ENV": "dev"},
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        )  # fmt: skip
    try:
        deadline, seen = time.monotonic() + 60, ""
        assert process.stderr is not None
        while "warning" not in seen and time.monotonic() < deadline:
            seen += process.stderr.readline()
        assert "warning: serving on 0.0.0.0 with ONCOBOARD_ENV=dev" in seen
        assert "--host 127.0.0.1" in seen
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()


class socket_port:
    """A free TCP port number (the server binds it right after)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])

    def __exit__(self, *_: object) -> None:
        return None
