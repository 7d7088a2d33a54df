# SPDX-License-Identifier: Apache-2.0
"""Bad grades are usage errors (CLI exit 3, no traceback; API 422 naming the field), and a term
without a label row is answered "clinical judgement" through every interface."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.dosing.models import DoseChangeRow, DoseProposalRow
from oncoboard.governance.models import RecommendationRow
from oncoboard.governance.vocabulary import Role
from tests.conftest import LiveServer, make_user
from tests.dosing.test_service import PATIENT, _bundle, _count
from tests.support import import_file

BODY = {"drug": "capecitabine", "indication": "1250", "ae": "hand-foot syndrome"}


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from oncoboard.cli.main import run; run()",
               "--database-url", f"sqlite:///{db}", *args]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("grade", ["three", "2.5", "-1", "", "III"])
def test_cli_grade_that_is_not_a_whole_number_is_exit_3(tmp_path: Path, grade: str) -> None:
    db = tmp_path / "grade.sqlite3"
    assert _cli(db, "db", "upgrade").returncode == 0
    done = _cli(db, "dose", "propose", "PT-1", "--drug", "capecitabine", "--ae", "HFS",
                "--grade", grade)  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    assert "--grade" in done.stderr and "whole number 1-4" in done.stderr
    assert repr(grade) in done.stderr


@pytest.mark.parametrize("grade", ["three", 2.5, "2.5", True, None, "3 "])
def test_api_grade_that_is_not_a_whole_number_is_422_naming_grade(
    engine: Engine, live_server: LiveServer, tmp_path: Path, grade: object
) -> None:
    import_file(engine, _bundle(tmp_path))
    answer = live_server.client().post(
        f"/api/v1/patients/{PATIENT}/dose-proposals", json={**BODY, "grade": grade}
    )
    if grade == "3 ":  # a digit string with spaces is a grade: accepted
        assert answer.status_code == 201, answer.text
        return
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [p["field"] for p in problem["problems"]] == ["grade"]
    assert _count(engine, DoseProposalRow) == 0


def test_a_term_without_a_row_is_clinical_judgement_and_accepting_applies_nothing(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    import_file(engine, _bundle(tmp_path, drug="sunitinib"))
    api = live_server.client()
    made = api.post(f"/api/v1/patients/{PATIENT}/dose-proposals",
                    json={"drug": "Sutent", "indication": "gist", "ae": "vomiting", "grade": 3})  # fmt: skip
    assert made.status_code == 201, made.text
    proposal = made.json()["proposal"]
    assert proposal["action"] == "clinical_judgement"
    assert (
        "no label dose-modification row for Vomiting on sunitinib: clinical judgement"
        in (proposal["statement"])
    )
    assert "the label's general rule is" in proposal["statement"]
    rec = made.json()["recommendation_id"]
    api.post(f"/api/v1/recommendations/{rec}/decision", json={"outcome": "accept"})
    assert _count(engine, DoseChangeRow) == 0  # no dose is named: nothing to apply
    again = api.post(f"/api/v1/patients/{PATIENT}/dose-proposals",
                     json={"drug": "Sutent", "indication": "gist", "ae": "vomiting", "grade": 3})  # fmt: skip
    second = again.json()["recommendation_id"]
    decided = api.post(f"/api/v1/recommendations/{second}/decision",
                       json={"outcome": "modify", "reason": "grade 3 vomiting",
                             "modification": "withhold until grade 1, then 37.5 mg"})  # fmt: skip
    assert decided.status_code == 201
    [change] = api.get(f"/api/v1/patients/{PATIENT}/dose-history").json()["changes"]
    assert change["dose"] == "as modified: withhold until grade 1, then 37.5 mg"
    assert _count(engine, RecommendationRow) == 2


def test_cli_answers_an_unlisted_term_and_names_an_unknown_one(
    engine: Engine, tmp_path: Path
) -> None:
    import_file(engine, _bundle(tmp_path, drug="sunitinib"))
    url = engine.url.render_as_string(hide_password=False)
    if not url.startswith("sqlite"):
        pytest.skip("the CLI process is run against the SQLite database")
    make_user(engine, "dr-cli", [Role.CLINICIAN])
    db = Path(url.removeprefix("sqlite:///"))
    done = _cli(db, "--user", "dr-cli", "dose", "propose", PATIENT, "--drug", "sunitinib",
                "--indication", "gist", "--ae", "alopecia", "--grade", "2")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "no label dose-modification row for Alopecia on sunitinib" in done.stdout
    unknown = _cli(db, "--user", "dr-cli", "dose", "propose", PATIENT, "--drug", "sunitinib",
                   "--indication", "gist", "--ae", "hand foot syndrom", "--grade", "2")  # fmt: skip
    assert unknown.returncode == 3 and "closest: Palmar-plantar" in unknown.stderr
