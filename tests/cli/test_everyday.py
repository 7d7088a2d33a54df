# SPDX-License-Identifier: Apache-2.0
"""The CLI outside the checkout: per-user database, one-line errors, readable output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from oncoboard.record.labels import describe, stage_text
from oncoboard.record.schemas import CancerCondition
from oncoboard.settings import Settings

MAF_HEADER = (
    "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
    "Tumor_Seq_Allele2\tTumor_Sample_Barcode\n"
)


def _cli(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """The installed entry point as a user runs it, with no ONCOBOARD_DATABASE_URL set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONCOBOARD_")}
    env |= {"XDG_DATA_HOME": str(home / "data"), "HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-c", "from oncoboard.cli.main import run; run()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_default_database_is_per_user_whatever_the_folder(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    never = _cli("patients", "list", cwd=one, home=tmp_path)
    # a database never upgraded: one line that names the command, no traceback
    assert never.returncode == 1
    assert "Traceback" not in never.stderr
    assert "run `oncoboard db upgrade`" in never.stderr
    assert len(never.stderr.strip().splitlines()) == 1, never.stderr
    assert str(tmp_path / "data" / "oncoboard" / "oncoboard.sqlite3") in never.stderr
    assert not (one / "var").exists()  # nothing relative to the folder the user stood in

    assert _cli("db", "upgrade", cwd=one, home=tmp_path).returncode == 0
    maf = tmp_path / "pt.maf"
    maf.write_text(MAF_HEADER + "BRAF\tGRCh38\t7\t140753336\tA\tT\tPT-H\n", encoding="utf-8")
    assert _cli("import", str(maf), cwd=one, home=tmp_path).returncode == 0
    listed = _cli("patients", "list", "--json", cwd=two, home=tmp_path)  # another folder
    assert listed.returncode == 0, listed.stderr
    assert [p["patient_id"] for p in json.loads(listed.stdout)["items"]] == ["PT-H"]


def test_serve_refuses_a_database_never_upgraded(tmp_path: Path) -> None:
    result = _cli("serve", "--port", "1", cwd=tmp_path, home=tmp_path)
    assert result.returncode == 8
    assert "run `oncoboard db upgrade`" in result.stderr and "Traceback" not in result.stderr


def test_settings_default_to_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'oncoboard.sqlite3'}"
    assert settings.upload_dir == tmp_path / "uploads"
    chosen = Settings(data_dir=tmp_path, database_url="sqlite:///elsewhere.db")
    assert chosen.database_url == "sqlite:///elsewhere.db"


def test_validate_prints_sentences_not_a_dict(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    maf = tmp_path / "two.maf"
    maf.write_text(
        MAF_HEADER
        + "BRAF\tGRCh38\t7\t140753336\tA\tT\tPT-1\nKRAS\tGRCh38\t12\t25245350\tC\tT\tPT-2\n",
        encoding="utf-8",
    )
    result = _cli("validate", str(maf), cwd=tmp_path, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "two.maf: OK, maf: 2 variants for 2 patients would be imported" in result.stdout
    assert "{" not in result.stdout


def test_patients_show_says_when_it_truncates(tmp_path: Path) -> None:
    maf = tmp_path / "many.maf"
    rows = "".join(f"TP53\tGRCh38\t17\t{7_670_000 + i}\tC\tT\tPT-M\n" for i in range(5))
    maf.write_text(MAF_HEADER + rows, encoding="utf-8")
    assert _cli("db", "upgrade", cwd=tmp_path, home=tmp_path).returncode == 0
    assert _cli("import", str(maf), cwd=tmp_path, home=tmp_path).returncode == 0
    cut = _cli("patients", "show", "PT-M", "--variant-limit", "2", cwd=tmp_path, home=tmp_path)
    assert cut.returncode == 0, cut.stderr
    assert "Showing the first 2 of 5 variants: --variant-limit 5 shows all" in cut.stdout
    whole = _cli("patients", "show", "PT-M", cwd=tmp_path, home=tmp_path)
    assert "Showing the first" not in whole.stdout


def test_stage_is_written_once() -> None:
    assert stage_text("Stage IIA") == stage_text("IIA") == "Stage IIA"
    assert stage_text(" stage IV ") == "Stage IV" and stage_text(None) == ""
    condition = CancerCondition(display="Breast cancer", stage="Stage IIA")
    assert describe(condition) == "Diagnosis: Breast cancer (Stage IIA)"


def test_root_help_lists_every_command_without_loading_them() -> None:
    """``oncoboard --help`` reads COMMAND_HELP; it must say what each command's own help says."""
    from oncoboard.cli.main import COMMAND_HELP, SUB_APPS, _sub_app_commands

    for module, names in SUB_APPS:
        commands = _sub_app_commands(module)
        for name in names:
            assert commands[name].get_short_help_str(limit=300) == COMMAND_HELP[name], name
    assert set(COMMAND_HELP) == {n for _, names in SUB_APPS for n in names}
    script = (
        "import sys\n"
        "from oncoboard.cli.main import app\n"
        "try:\n"
        "    app(['--help'], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('sqlalchemy', 'pydantic_settings', 'oncoboard.record.cli',"
        " 'oncoboard.trials.cli') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert "dose" in done.stdout and "Label-based dose-modification" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"
