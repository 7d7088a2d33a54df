# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures: real SQLite and PostgreSQL, a live HTTP server, real files from ../shared."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, text

from oncoboard.api.app import create_app
from oncoboard.governance import users
from oncoboard.governance.vocabulary import Role
from oncoboard.settings import Settings
from oncoboard.store.db import make_engine, unit_of_work
from oncoboard.store.migrate import upgrade
from oncoboard.tables import metadata
from tests.support import require_or_skip

BACKENDS = ["sqlite", "postgresql"]
_engines: dict[str, Engine] = {}


def _engine_for(backend: str, tmp_root: Path) -> Engine:
    if backend not in _engines:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_root / 'oncoboard-test.sqlite3'}"
        else:
            url = os.environ.get("ONCOBOARD_TEST_POSTGRES_URL", "")
            require_or_skip(bool(url), "PostgreSQL not configured: set ONCOBOARD_TEST_POSTGRES_URL")
            engine = make_engine(url)
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        engine = make_engine(url)
        upgrade(engine)
        _engines[backend] = engine
    return _engines[backend]


@pytest.fixture(scope="session", autouse=True)
def _dispose_engines() -> Iterator[None]:
    yield
    for eng in _engines.values():
        eng.dispose()
    _engines.clear()


APPEND_ONLY = ("audit_log", "decisions", "pro_alert_events", "celltherapy_record")


def _clear(engine: Engine) -> None:
    """Empty every table; on PostgreSQL lift the append-only triggers for the test reset only."""
    with engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        for name in APPEND_ONLY if postgres else ():
            connection.execute(text(f"ALTER TABLE {name} DISABLE TRIGGER USER"))
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
        for name in APPEND_ONLY if postgres else ():
            connection.execute(text(f"ALTER TABLE {name} ENABLE TRIGGER USER"))


@pytest.fixture(params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database on each backend, emptied after every test."""
    eng = _engine_for(request.param, tmp_path_factory.getbasetemp())
    _clear(eng)
    yield eng
    _clear(eng)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    """A private SQLite database for tests that need only the embedded default."""
    eng = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade(eng)
    return eng


@pytest.fixture
def settings(engine: Engine, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        database_url=engine.url.render_as_string(hide_password=False),
        upload_dir=tmp_path / "uploads",
        max_upload_bytes=5 * 1024 * 1024,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ApiClient:
    """One connection per call (as ``httpx.get``), with a base URL and auth headers."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url = base_url
        self.headers = headers

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        target = url if url.startswith("http") else self.base_url + url
        headers = {**self.headers, **options.pop("headers", {})}
        return httpx.request(method, target, headers=headers, timeout=30, **options)

    def get(self, url: str, **options: Any) -> httpx.Response:
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any) -> httpx.Response:
        return self.request("POST", url, **options)

    def delete(self, url: str, **options: Any) -> httpx.Response:
        return self.request("DELETE", url, **options)


TEST_PASSWORD = "correct-horse-battery"
TEST_USER = "dr-test"


def make_user(engine: Engine, username: str, roles: list[Role], patient: str | None = None) -> str:
    """Create a user with ``TEST_PASSWORD`` and return a fresh bearer token for it."""
    with unit_of_work(engine) as session:
        users.create_user(
            session,
            username=username,
            display_name=username.title(),
            roles=roles,
            granted_by="tests",
            password=TEST_PASSWORD,
            patient_id=patient,
        )
        secret, _ = users.create_token(session, username=username, name="tests")
    return secret


class LiveServer:
    """A real uvicorn server on 127.0.0.1 in a background thread, with a logged-in clinician."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.engine = engine
        self.token = make_user(engine, TEST_USER, [Role.CLINICIAN])
        self.headers = {"Authorization": f"Bearer {self.token}"}
        config = uvicorn.Config(
            create_app(settings, engine=engine),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start within 10 s")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def client(self, token: str | None = None) -> ApiClient:
        """HTTP calls authenticated as the test clinician (or with ``token``)."""
        return ApiClient(self.url, {"Authorization": f"Bearer {token or self.token}"})

    def browser_page(self, browser: Any, username: str = TEST_USER, **options: Any) -> Any:
        """A browser page that has logged in through the login form."""
        page = browser.new_page(**options)
        page.goto(self.url + "/login")
        page.fill("#username", username)
        page.fill("#password", TEST_PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(self.url + "/")
        return page


@pytest.fixture
def live_server(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    with LiveServer(settings, engine) as server:
        yield server
