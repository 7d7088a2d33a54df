# SPDX-License-Identifier: Apache-2.0
"""The ``oncoboard`` command as a user runs it: a real process, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from oncoboard.errors import Conflict, InputError, NotFound, OncoBoardError
from oncoboard.settings import Settings

HEADER = "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n"


def oncoboard(
    *args: str, db: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-c",
        "from oncoboard.cli.main import run; run()",
        "--database-url",
        f"sqlite:///{db}",
        *args,
    ]
    return subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.sqlite3"
    assert oncoboard("db", "upgrade", db=path).returncode == 0
    return path


def _maf(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "cli.maf"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_import_then_reimport_says_nothing_changed(db: Path, tmp_path: Path) -> None:
    path = _maf(tmp_path, "BRAF\tGRCh38\t7\t140753336\tA\tT\tPT-9\n")
    first = oncoboard("import", str(path), db=db)
    assert first.returncode == 0, first.stderr
    assert "imported 1 variant for 1 patient" in first.stdout
    again = oncoboard("import", str(path), db=db)
    assert (
        again.returncode == 0
        and "already imported" in again.stdout
        and "nothing changed" in again.stdout
    )
    listed = json.loads(oncoboard("patients", "list", "--json", db=db).stdout)
    assert listed["total"] == 1 and listed["items"][0]["fact_count"] == 1
    shown = json.loads(oncoboard("patients", "show", "PT-9", "--json", db=db).stdout)
    variant = shown["variants"][0]
    assert variant["fact"]["pos"] == 140753336 and variant["provenance"]["locator"] == "line 2"


def test_validate_reports_every_problem_and_exits_non_zero(db: Path, tmp_path: Path) -> None:
    path = _maf(tmp_path, "BRAF\tGRCh38\t7\tone\tA\tT\tPT-9\nBRAF\tGRCh38\t7\t5\tQ\tT\tPT-9\n")
    result = oncoboard("validate", str(path), db=db)
    assert result.returncode == 3
    assert "line 2: Start_Position" in result.stdout
    assert "line 3: Reference_Allele" in result.stdout
    assert "2 problem(s)" in result.stdout
    assert json.loads(oncoboard("patients", "list", "--json", db=db).stdout)["total"] == 0


def test_bad_import_exit_code_and_message(db: Path, tmp_path: Path) -> None:
    path = _maf(tmp_path, "BRAF\tGRCh38\t7\tone\tA\tT\tPT-9\n")
    result = oncoboard("import", str(path), db=db)
    assert result.returncode == 3
    assert "cli.maf: 1 problem(s); 0 of 1 records imported" in result.stderr


def test_unknown_patient_is_exit_4(db: Path) -> None:
    result = oncoboard("patients", "show", "NOPE", db=db)
    assert result.returncode == 4 and "patient 'NOPE' not found" in result.stderr


def test_version_full_names_versions(db: Path) -> None:
    info = json.loads(oncoboard("version", "--full", "--json", db=db).stdout)
    assert info["schema_revision"] == info["schema_head"]
    assert info["database"].startswith("sqlite")
    assert info["dependencies"]["cyvcf2"] != "not installed"


def test_doctor_reports_missing_optional_parts(db: Path) -> None:
    result = oncoboard(
        "doctor", db=db, env={"PATH": "/nonexistent", "ONCOBOARD_TEST_POSTGRES_URL": ""}
    )
    assert result.returncode == 0
    assert "chromium: not found" in result.stdout and "apt-get install chromium" in result.stdout
    assert "postgresql: not checked" in result.stdout and "--postgres-url" in result.stdout
    assert "weasyprint: " in result.stdout
    assert "ONCOBOARD_TEST" not in result.stdout  # a user's tool names no test variable


def test_doctor_fails_on_unmigrated_database(tmp_path: Path) -> None:
    result = oncoboard("doctor", db=tmp_path / "fresh.sqlite3")
    assert result.returncode == 1 and "oncoboard db upgrade" in result.stdout


def test_prod_refuses_the_development_secret() -> None:
    with pytest.raises(ValueError, match="ONCOBOARD_SECRET_KEY"):
        Settings(env="prod")
    assert (
        Settings(env="prod", secret_key="k3Jq9-xV2mZp7_TfR4wLb8Nc1YhG6sDa0eUoQiEt5Wk").env == "prod"
    )


def test_prod_with_dev_secret_refuses_to_start(db: Path) -> None:
    result = oncoboard("serve", db=db, env={"ONCOBOARD_ENV": "prod"})
    assert result.returncode == 2 and "ONCOBOARD_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("error", "code"),
    [(InputError("x"), 3), (NotFound("x"), 4), (Conflict("x"), 5), (OncoBoardError("x"), 1)],
)
def test_each_error_maps_to_one_exit_code_and_http_status(error: OncoBoardError, code: int) -> None:
    from oncoboard.edge.cli_output import exit_code_for
    from oncoboard.edge.problems import status_for

    assert exit_code_for(error) == code
    assert status_for(error) == {3: 422, 4: 404, 5: 409, 1: 500}[code]


def test_each_sub_app_adds_the_commands_the_root_expects_of_it() -> None:
    """The root loads a sub-app when one of its names is asked for (``cli/main.py``)."""
    from oncoboard.cli.main import SUB_APPS, _sub_app_commands

    for module, names in SUB_APPS:
        assert set(_sub_app_commands(module)) == set(names), module


def test_import_loads_only_what_it_needs(tmp_path: Path) -> None:
    """``oncoboard import`` starts without every capability (numpy, the trial index …)."""
    script = (
        "import sys\n"
        "from oncoboard.cli.main import app\n"
        "app(['import', '--help'], standalone_mode=False)\n"
        "print(sorted(m for m in ('numpy', 'oncoboard.trials.cli', 'oncoboard.ingest.cli')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines()[-1] == "['oncoboard.ingest.cli']"
