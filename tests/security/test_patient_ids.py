# SPDX-License-Identifier: Apache-2.0
"""Item 16: the patient-id character set is checked wherever an id enters."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine

from oncoboard.errors import InputError
from oncoboard.governance import users
from oncoboard.governance.vocabulary import Role
from oncoboard.record.ids import patient_id_problem
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer
from tests.security.conftest import HEADER
from tests.support import import_file, row_counts

BAD = ["<script>alert(1)</script>", "PT/../A", "PT A  B", " PT", "PT\\A", "a" * 129, "PT'A", "é"]
GOOD = ["PT-A", "TCGA-05-4244", "proband A", "demo-001", "PMID:1234_P1", "x.y@z+1"]


def test_the_rule() -> None:
    assert [v for v in GOOD if patient_id_problem(v)] == []
    assert [v for v in BAD if not patient_id_problem(v)] == []


@pytest.mark.parametrize("bad", BAD[:4])
def test_urls_with_impossible_ids_are_422(
    two_patients: Engine, live_server: LiveServer, bad: str
) -> None:
    answer = live_server.client().get(f"/api/v1/patients/{quote(bad, safe='')}")
    assert answer.status_code in (404, 422)  # "/" splits the path before any route sees it
    if "/" not in bad:
        assert answer.status_code == 422 and "patient id" in answer.json()["detail"]


def test_files_naming_impossible_ids_store_nothing(engine: Engine, tmp_path: Path) -> None:
    maf = tmp_path / "bad.maf"
    maf.write_text(HEADER + "BRAF\tGRCh38\t7\t140753336\tA\tT\t<img src=x onerror=alert(1)>\n")
    with pytest.raises(InputError) as refused:
        import_file(engine, maf)
    [problem] = refused.value.problems
    assert (problem.locator, problem.field) == ("line 2", "patient id")
    with pytest.raises(InputError, match="--patient"):
        import_file(engine, maf, patient="x/../y")
    assert row_counts(engine)["facts"] == 0
    # a real id with a space (a Phenopacket subject) is fine
    maf.write_text(HEADER + "BRAF\tGRCh38\t7\t140753336\tA\tT\tproband A\n")
    assert import_file(engine, maf).patients == ["proband A"]


def test_accounts_cannot_link_an_impossible_id(engine: Engine) -> None:
    with unit_of_work(engine) as session, pytest.raises(InputError, match="patient id"):
        users.create_user(
            session, username="pat", display_name="Pat", roles=[Role.PATIENT],
            granted_by="tests", patient_id="PT<1>",
        )  # fmt: skip


def test_the_upload_form_field_is_checked(engine: Engine, live_server: LiveServer) -> None:
    maf = HEADER + "BRAF\tGRCh38\t7\t140753336\tA\tT\tPT-Q\n"
    answer = live_server.client().post(
        "/api/v1/imports", files={"file": ("q.maf", maf)}, data={"patient": 'PT"><b>'}
    )
    assert answer.status_code == 422 and answer.json()["problems"][0]["locator"] == "--patient"
