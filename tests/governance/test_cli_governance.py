# SPDX-License-Identifier: Apache-2.0
"""Accounts, consent and the audit trail from the command line, as a site administrator runs them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.test_cli import HEADER, oncoboard


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "gov.sqlite3"
    assert oncoboard("db", "upgrade", db=path).returncode == 0
    maf = tmp_path / "one.maf"
    maf.write_text(HEADER + "BRAF\tGRCh38\t7\t140753336\tA\tT\tPT-1\n", encoding="utf-8")
    assert oncoboard("import", str(maf), db=path).returncode == 0
    return path


def test_accounts_roles_and_tokens(db: Path) -> None:
    created = oncoboard(
        "users",
        "create",
        "dr-lee",
        "--name",
        "Dr Lee",
        "--role",
        "clinician",
        "--password-stdin",
        db=db,
        stdin="a-long-password-1\n",
    )
    assert created.returncode == 0, created.stderr
    assert oncoboard("users", "grant", "dr-lee", "tumor_board", db=db).returncode == 0
    listed = {
        u["username"]: u for u in json.loads(oncoboard("users", "list", "--json", db=db).stdout)
    }
    assert listed["dr-lee"]["roles"] == ["clinician", "tumor_board"]
    assert listed["site-admin"]["roles"] == ["admin"]
    assert oncoboard("users", "revoke", "dr-lee", "tumor_board", db=db).returncode == 0
    token = oncoboard("users", "token", "create", "dr-lee", "--name", "laptop", db=db)
    secret = token.stdout.strip().splitlines()[-1]
    assert secret.startswith("obt_") and len(secret) > 40
    stored = sqlite3.connect(db).execute("select token_hash, prefix from api_tokens").fetchall()
    assert stored and all(secret not in row for row in stored)  # only the hash is kept
    assert oncoboard("users", "token", "revoke", "dr-lee", "1", db=db).returncode == 0
    assert "revoked" in oncoboard("users", "token", "list", "dr-lee", db=db).stdout
    weak = oncoboard(
        "users",
        "create",
        "x1",
        "--name",
        "X",
        "--role",
        "nurse",
        "--password-stdin",
        db=db,
        stdin="short\n",
    )
    assert weak.returncode == 3 and "at least 12 characters" in weak.stderr


def test_cli_acts_as_a_named_user_through_the_gate(db: Path) -> None:
    assert (
        oncoboard("users", "create", "res", "--name", "R", "--role", "researcher", db=db).returncode
        == 0
    )
    refused = oncoboard("--user", "res", "patients", "show", "PT-1", db=db)
    assert (
        refused.returncode == 6
        and "researcher may not view_record for purpose treatment" in refused.stderr
    )
    ghost = oncoboard("--user", "ghost", "patients", "list", db=db)
    assert ghost.returncode == 6 and "unknown or disabled user 'ghost'" in ghost.stderr


def test_consent_withdrawal_then_break_the_glass(db: Path) -> None:
    assert (
        oncoboard(
            "users", "create", "dr-er", "--name", "Dr ER", "--role", "clinician", db=db
        ).returncode
        == 0
    )
    withdrawn = oncoboard(
        "consent", "withdraw", "PT-1", "treatment", "--source", "letter 12", db=db
    )
    assert withdrawn.returncode == 0 and "treatment withdrawn (letter 12)" in withdrawn.stdout
    refused = oncoboard("--user", "dr-er", "patients", "show", "PT-1", db=db)
    assert refused.returncode == 7 and "consent for treatment was withdrawn on" in refused.stderr
    glass = oncoboard(
        "--user",
        "dr-er",
        "patients",
        "show",
        "PT-1",
        "--break-glass",
        "unconscious patient in the emergency department",
        "--json",
        db=db,
    )
    assert glass.returncode == 0 and json.loads(glass.stdout)["patient_id"] == "PT-1"
    shown = json.loads(oncoboard("consent", "show", "PT-1", "--json", db=db).stdout)
    treatment = next(c for c in shown["current"] if c["purpose"] == "treatment")
    assert treatment["in_force"] == "withdrawn" and treatment["allows_access"] is False
    lines = [
        json.loads(line)
        for line in oncoboard("audit", "export", "--patient", "PT-1", db=db).stdout.splitlines()
    ]
    flagged = [e for e in lines if e["break_glass"]]
    assert (
        len(flagged) == 1
        and flagged[0]["actor"] == "dr-er"
        and "emergency department" in flagged[0]["reason"]
    )
    assert any(e["outcome"] == "denied" and e["actor"] == "dr-er" for e in lines)


def test_audit_verify_names_the_tampered_entry(db: Path, tmp_path: Path) -> None:
    intact = oncoboard("audit", "verify", db=db)
    assert intact.returncode == 0 and "audit chain intact" in intact.stdout
    with sqlite3.connect(db) as connection:
        connection.execute("update audit_log set actor = 'mallory' where id = 2")
    broken = oncoboard("audit", "verify", db=db)
    assert broken.returncode == 5 and "entry 2 was modified" in broken.stderr
    out = tmp_path / "audit.jsonl"
    assert (
        oncoboard("audit", "export", "--since", "2000-01-01", "--out", str(out), db=db).returncode
        == 0
    )
    first = json.loads(out.read_text().splitlines()[0])
    assert first["seq"] == 1 and first["prev_hash"] == "0" * 64
    bad_date = oncoboard("audit", "export", "--since", "yesterday", db=db)
    assert bad_date.returncode == 3 and "--since: expected YYYY-MM-DD" in bad_date.stderr
