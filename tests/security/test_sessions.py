# SPDX-License-Identifier: Apache-2.0
"""Item 6: logout, password change, role removal and `users disable` end sessions and tokens."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from oncoboard.cli.main import app as cli_app
from oncoboard.governance import users
from oncoboard.governance.vocabulary import Role
from oncoboard.store.db import unit_of_work
from tests.conftest import TEST_USER, LiveServer, make_user
from tests.security.conftest import client_for, page_csrf, web_login


def _reads_patient_data(client: httpx.Client) -> bool:
    answer = client.get("/api/v1/patients/PT-A")
    return answer.status_code == 200 and answer.json()["patient_id"] == "PT-A"


def test_a_saved_cookie_is_worthless_after_logout(
    two_patients: Engine, live_server: LiveServer
) -> None:
    client = web_login(live_server.url, TEST_USER)
    saved = dict(client.cookies)
    assert _reads_patient_data(client)
    logout = client.post("/logout", data={"csrf_token": page_csrf(client)})
    assert logout.status_code == 303
    # the attack: replay the cookie captured before logout
    replay = client_for(live_server.url, cookies=saved)
    assert replay.get("/api/v1/patients/PT-A").status_code == 401
    page = replay.get("/patients/PT-A")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def _cli(engine: Engine, *args: str, stdin: str | None = None) -> str:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli_app, ["--database-url", url, *args], input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("how", ["password", "revoke", "disable"])
def test_every_session_and_token_ends_at_once(
    two_patients: Engine, live_server: LiveServer, how: str
) -> None:
    token = make_user(two_patients, "dr-two", [Role.CLINICIAN, Role.NURSE])
    browsers = [web_login(live_server.url, "dr-two") for _ in range(2)]
    api = client_for(live_server.url, headers={"Authorization": f"Bearer {token}"})
    assert all(_reads_patient_data(c) for c in [*browsers, api])
    with unit_of_work(two_patients) as session:
        users.ensure_site_admin(session)
    if how == "password":
        out = _cli(
            two_patients, "users", "set-password", "dr-two", stdin="a-brand-new-passphrase-77\n"
        )
    elif how == "revoke":
        out = _cli(two_patients, "users", "revoke", "dr-two", "nurse")
    else:
        out = _cli(two_patients, "users", "disable", "dr-two")
    for client in [*browsers, api]:
        assert client.get("/api/v1/patients/PT-A").status_code == 401
    if how != "revoke":
        assert "ended 2 session(s), revoked 1 token(s)" in out
    if how == "disable":
        _cli(two_patients, "users", "enable", "dr-two")
        # enabled again: a new login works, the old token stays revoked
        assert _reads_patient_data(web_login(live_server.url, "dr-two"))
        assert api.get("/api/v1/me").status_code == 401


def test_expired_sessions_are_refused(two_patients: Engine, live_server: LiveServer) -> None:
    from sqlalchemy import update

    from oncoboard.governance.models import WebSessionRow

    client = web_login(live_server.url, TEST_USER)
    assert _reads_patient_data(client)
    with unit_of_work(two_patients) as session:
        session.execute(update(WebSessionRow).values(expires_at=WebSessionRow.created_at))
    refused = client.get("/api/v1/patients/PT-A")
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
