# SPDX-License-Identifier: Apache-2.0
"""Security suite helpers: a live server with chosen settings, web logins, patients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from oncoboard.settings import Settings
from tests.conftest import TEST_PASSWORD, LiveServer
from tests.support import import_file

HEADER = (
    "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
    "Tumor_Seq_Allele2\tTumor_Sample_Barcode\n"
)


@pytest.fixture
def two_patients(engine: Engine, tmp_path: Path) -> Engine:
    """PT-A and PT-B, one variant each, from one MAF."""
    path = tmp_path / "two.maf"
    path.write_text(
        HEADER + "BRAF\tGRCh38\t7\t140753336\tA\tT\tPT-A\nKRAS\tGRCh38\t12\t25245350\tC\tT\tPT-B\n"
    )
    import_file(engine, path)
    return engine


def server_with(settings: Settings, engine: Engine, **changes: Any) -> LiveServer:
    """A live server whose settings differ from the test defaults by ``changes``."""
    # validated again, as the server would be started (prod checks included)
    return LiveServer(Settings(**{**settings.model_dump(), **changes}), engine)


@pytest.fixture
def make_server(settings: Settings, engine: Engine) -> Iterator[Any]:
    started: list[LiveServer] = []

    def make(**changes: Any) -> LiveServer:
        server = server_with(settings, engine, **changes).__enter__()
        started.append(server)
        return server

    yield make
    for server in started:
        server.__exit__()


_CLIENTS: list[httpx.Client] = []


def client_for(base_url: str, **options: Any) -> httpx.Client:
    """An ``httpx.Client`` closed when the test ends."""
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30, **options)
    _CLIENTS.append(client)
    return client


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _CLIENTS:
        _CLIENTS.pop().close()


def web_login(base_url: str, username: str, password: str = TEST_PASSWORD) -> httpx.Client:
    """A client logged in through the login form (session cookie + CSRF)."""
    client = client_for(base_url)
    page = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf.group(1)},
    )
    assert answer.status_code == 303, answer.text
    return client


def page_csrf(client: httpx.Client, path: str = "/") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)
