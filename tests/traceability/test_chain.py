# SPDX-License-Identifier: Apache-2.0
"""The batch record is tamper-evident: ``oncoboard celltherapy verify`` finds a modified entry,
a re-hashed chain (its signatures fail), a removed entry and an altered signature; PostgreSQL
refuses UPDATE/DELETE outright."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from oncoboard.cli.main import app as cli_app
from oncoboard.governance.vocabulary import Role
from oncoboard.traceability import chain
from oncoboard.traceability.schemas import CustodyStep
from tests.conftest import make_user
from tests.traceability.chain_support import open_case, setup, walk

COI = "CHA999926000001"


def _verify(engine: Engine) -> tuple[int, str]:
    make_user(engine, "qa-lee", [Role.QUALITY_OFFICER])
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli_app, ["--database-url", url, "--user", "qa-lee",
                                          "celltherapy", "verify"])  # fmt: skip
    return result.exit_code, result.output


def _tamper(engine: Engine, *statements: tuple[str, dict[str, object]]) -> None:
    with engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text("ALTER TABLE celltherapy_record DISABLE TRIGGER USER"))
        for sql, params in statements:
            connection.execute(text(sql), params)
        if postgres:
            connection.execute(text("ALTER TABLE celltherapy_record ENABLE TRIGGER USER"))


def _rows(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(  # type: ignore[misc]
            "SELECT seq, body, entry_hash FROM celltherapy_record ORDER BY seq"))]  # fmt: skip


@pytest.fixture
def infused(engine: Engine) -> Engine:
    setup(engine)
    open_case(engine, 0)
    walk(engine, 0, CustodyStep.INFUSION)
    return engine


def test_an_intact_record_verifies(infused: Engine) -> None:
    code, output = _verify(infused)
    assert code == 0, output
    assert (
        f"{COI}: intact — 10 entries, 2 signatures" in output
        and "1 cases checked, 0 failed" in output
    )


def test_a_modified_entry_fails_verify(infused: Engine) -> None:
    seq, body, _ = _rows(infused)[2]
    _tamper(infused, ("UPDATE celltherapy_record SET body = :b WHERE seq = :s",
                      {"b": body.replace("Ward 7", "Ward 9"), "s": seq}))  # fmt: skip
    code, output = _verify(infused)
    assert code == 9 and f"{COI} entry 3: modified after it was written" in output


def test_a_rehashed_chain_fails_on_its_signatures(infused: Engine) -> None:
    """Rewrite entry 2 and recompute every hash after it: only the signatures give it away."""
    rows = _rows(infused)
    statements, previous = [], rows[0][2]
    for seq, body, _ in rows[1:]:
        data = json.loads(body)
        data["prev_hash"] = previous
        if seq == 2:
            data["location"] = "somewhere else"
        new_body = chain.canonical(data)
        previous = chain.digest(new_body)
        statements.append(("UPDATE celltherapy_record SET body = :b, prev_hash = :p, entry_hash = :h "
                           "WHERE seq = :s", {"b": new_body, "p": data["prev_hash"], "h": previous, "s": seq}))  # fmt: skip
    statements.append(("UPDATE celltherapy_cases SET last_hash = :h", {"h": previous}))
    _tamper(infused, *statements)
    code, output = _verify(infused)
    assert code == 9
    assert f"{COI} entry 6: signature does not verify" in output  # QC release
    assert f"{COI} entry 10: signature does not verify" in output  # infusion
    assert "modified after" not in output


def test_a_removed_last_entry_and_an_altered_signature_fail_verify(infused: Engine) -> None:
    _tamper(infused, ("DELETE FROM celltherapy_record WHERE seq = 10", {}),
            ("UPDATE celltherapy_record SET signature = :x WHERE seq = 6", {"x": "A" * 88}))  # fmt: skip
    code, output = _verify(infused)
    assert code == 9
    assert f"{COI} entry 6: signature does not verify" in output
    assert "the case records entry 10 as the last one, but the chain ends at entry 9" in output


def test_postgresql_refuses_changes_to_the_record(infused: Engine) -> None:
    if infused.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's; SQLite relies on the hash chain")
    for sql in ("UPDATE celltherapy_record SET actor = 'x'", "DELETE FROM celltherapy_record",
                "TRUNCATE celltherapy_record CASCADE"):  # fmt: skip
        with pytest.raises(DBAPIError, match="append-only"), infused.begin() as connection:
            connection.execute(text(sql))


def test_verify_needs_the_audit_role(infused: Engine) -> None:
    make_user(infused, "ward-nurse", [Role.NURSE])
    url = infused.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli_app, ["--database-url", url, "--user", "ward-nurse",
                                          "celltherapy", "verify"])  # fmt: skip
    assert result.exit_code != 0 and "may not read_audit" in str(result.exception)
