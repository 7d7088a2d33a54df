# SPDX-License-Identifier: Apache-2.0
"""Item 12: deleting the tail of the audit log and moving its head back no longer verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from oncoboard.cli.main import app as cli_app
from oncoboard.errors import Conflict
from oncoboard.governance import audit, gate
from oncoboard.governance.anchor import AnchorFile, anchor_audit, configure
from oncoboard.governance.users import actor_for, ensure_site_admin
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.settings import Settings
from oncoboard.store.db import unit_of_work


def _audited_accesses(engine: Engine, count: int) -> None:
    for number in range(count):
        with unit_of_work(engine) as session:
            gate.authorize(
                session,
                actor=actor_for(session, "site-admin"),
                action=Action.ADMINISTER,
                purpose=Purpose.OPERATIONS,
                obj=f"access {number}",
            )


def _delete_tail_and_move_head(engine: Engine, keep: int) -> None:
    """The attack: what someone with write access to the database file can do."""
    with engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:  # the owner lifts the trigger that refuses deletes (SQLite has none)
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        connection.execute(text("DELETE FROM audit_log WHERE id > :keep"), {"keep": keep})
        row = connection.execute(
            text("SELECT id, entry_hash FROM audit_log WHERE id = :keep"), {"keep": keep}
        ).one()
        connection.execute(
            text("UPDATE audit_head SET last_seq = :seq, last_hash = :hash"),
            {"seq": row.id, "hash": row.entry_hash},
        )
        if postgres:
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))


@pytest.fixture
def anchored(engine: Engine, tmp_path: Path) -> tuple[Engine, Path]:
    path = tmp_path / "audit.anchor"
    url = engine.url.render_as_string(hide_password=False)
    anchor_audit(engine, Settings(env="test", database_url=url, audit_anchor_file=path))
    with unit_of_work(engine) as session:
        ensure_site_admin(session)
    yield engine, path
    configure(engine, None)


def test_a_deleted_tail_is_found_by_the_anchor(anchored: tuple[Engine, Path]) -> None:
    engine, path = anchored
    _audited_accesses(engine, 6)
    with engine.connect() as connection:
        assert audit.with_anchor(connection, audit.verify(connection)).ok
    _delete_tail_and_move_head(engine, keep=3)
    with engine.connect() as connection:
        chain_only = audit.verify(connection)
        assert chain_only.ok  # the attack of the issue: the shorter chain is consistent
        anchored_report = audit.with_anchor(connection, chain_only)
    assert not anchored_report.ok and anchored_report.first_bad_entry == 4
    assert "entries after 3 were deleted" in (anchored_report.problem or "")
    assert "records entry 6" in (anchored_report.problem or "")
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_an_edited_anchor_file_is_refused(anchored: tuple[Engine, Path]) -> None:
    engine, path = anchored
    _audited_accesses(engine, 3)
    lines = path.read_text().splitlines()
    forged = json.loads(lines[-1]) | {"seq": 1}
    path.write_text("\n".join([*lines[:-1], json.dumps(forged)]) + "\n")
    with engine.connect() as connection:
        report = audit.with_anchor(connection, audit.verify(connection))
    assert not report.ok and "wrong signature" in (report.problem or "")


def test_the_cli_verify_compares_the_anchor(tmp_path: Path) -> None:
    from oncoboard.store.db import make_engine
    from oncoboard.store.migrate import upgrade

    database = tmp_path / "site.sqlite3"
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    upgrade(engine)
    anchor_audit(engine, Settings(env="dev", database_url=url))  # default: beside the database
    with unit_of_work(engine) as session:
        ensure_site_admin(session)
    _audited_accesses(engine, 5)
    assert Path(str(database) + ".audit-anchor").exists()
    runner = CliRunner()
    intact = runner.invoke(cli_app, ["--database-url", url, "audit", "verify"])
    assert intact.exit_code == 0 and "audit chain intact" in intact.output
    _delete_tail_and_move_head(engine, keep=2)
    broken = runner.invoke(cli_app, ["--database-url", url, "audit", "verify"])
    # `oncoboard` maps Conflict to exit code 5 (cli/main.py); the runner shows the error itself
    assert isinstance(broken.exception, Conflict) and "were deleted" in str(broken.exception)
    configure(engine, None)
    engine.dispose()


def test_the_anchor_file_stays_small(tmp_path: Path) -> None:
    anchor = AnchorFile(tmp_path / "a.anchor", "k" * 43)
    for seq in range(1, 12_000):
        anchor.append(seq, f"{seq:064x}", "2026-01-01T00:00:00.000000+00:00")
    assert anchor.path.stat().st_size < 1_100_000
    newest = anchor.newest()
    assert newest is not None and newest.seq == 11_999
