# SPDX-License-Identifier: Apache-2.0
"""Item 2: a database once served with --demo refuses to start in prod until they are disabled."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from oncoboard.api.app import create_app
from oncoboard.cli.main import app as cli_app
from oncoboard.demo.users import DEMO_PASSWORD, ensure_demo_users
from oncoboard.errors import Conflict, NotAuthenticated
from oncoboard.governance import users
from oncoboard.settings import Settings
from oncoboard.store.db import unit_of_work
from tests.security.conftest import HEADER
from tests.support import import_file


def test_prod_refuses_to_start_while_demo_accounts_are_active(
    engine: Engine, tmp_path: Path
) -> None:
    maf = tmp_path / "demo.maf"
    maf.write_text(HEADER + "BRAF\tGRCh38\t7\t140753336\tA\tT\tdemo-001\n")
    import_file(engine, maf)
    with unit_of_work(engine) as session:
        users.ensure_site_admin(session)
        assert "oncologist" in ensure_demo_users(session)
    url = engine.url.render_as_string(hide_password=False)
    prod = Settings(env="prod", secret_key=secrets.token_urlsafe(32), database_url=url)
    with pytest.raises(Conflict, match=r"oncoboard users disable --demo") as refused:
        create_app(prod, engine=engine)
    assert "oncologist" in str(refused.value) and "ana" in str(refused.value)
    # the published password still works until the accounts are disabled
    with unit_of_work(engine) as session:
        users.authenticate(session, username="oncologist", password=DEMO_PASSWORD)

    result = CliRunner().invoke(cli_app, ["--database-url", url, "users", "disable", "--demo"])
    assert result.exit_code == 0, result.output
    assert "oncologist disabled" in result.output and "ana disabled" in result.output
    create_app(prod, engine=engine)  # starts now
    with unit_of_work(engine) as session, pytest.raises(NotAuthenticated):
        users.authenticate(session, username="oncologist", password=DEMO_PASSWORD)
    with unit_of_work(engine) as session:
        assert users.demo_accounts(session) == []
