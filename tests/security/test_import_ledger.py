# SPDX-License-Identifier: Apache-2.0
"""Item 7: the import ledger shows each caller what they may see (a patient: only their own)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from oncoboard.governance.vocabulary import Role
from tests.conftest import LiveServer, make_user
from tests.security.conftest import HEADER, web_login
from tests.support import import_file


def test_a_patient_sees_only_imports_about_them(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    both = tmp_path / "cohort.maf"
    both.write_text(
        HEADER + "BRAF\tGRCh38\t7\t140753336\tA\tT\tPT-A\nKRAS\tGRCh38\t12\t25245350\tC\tT\tPT-B\n"
        "TP53\tGRCh38\t17\t7675088\tC\tT\tPT-B\n"
    )
    other = tmp_path / "other.maf"
    other.write_text(HEADER + "EGFR\tGRCh38\t7\t55191822\tT\tG\tPT-C\n")
    import_file(engine, both)
    import_file(engine, other)
    ana = live_server.client(make_user(engine, "ana", [Role.PATIENT], patient="PT-A"))
    ledger = ana.get("/api/v1/imports").json()
    # before: every import and every patient id of the site
    assert [entry["source_name"] for entry in ledger] == ["cohort.maf"]
    assert ledger[0]["patients"] == ["PT-A"] and ledger[0]["fact_counts"] == {"variant": 1}
    page = web_login(live_server.url, "ana").get("/imports")  # the ledger page is the care team's
    assert page.status_code == 403
    assert "PT-B" not in page.text and "PT-C" not in page.text and "other.maf" not in page.text
    staff = live_server.client().get("/api/v1/imports").json()
    assert sorted(entry["source_name"] for entry in staff) == ["cohort.maf", "other.maf"]


def test_staff_do_not_see_ids_of_patients_who_objected(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    maf = tmp_path / "two.maf"
    maf.write_text(
        HEADER + "BRAF\tGRCh38\t7\t140753336\tA\tT\tPT-A\nKRAS\tGRCh38\t12\t25245350\tC\tT\tPT-B\n"
    )
    import_file(engine, maf)
    api = live_server.client()
    withdrawn = api.post(
        "/api/v1/patients/PT-B/consent",
        json={"purpose": "treatment", "status": "withdrawn", "source": "letter"},
    )
    assert withdrawn.status_code == 201
    [entry] = api.get("/api/v1/imports").json()
    assert entry["patients"] == ["PT-A"]
    assert any("1 patient id(s) not shown" in note for note in entry["notes"])
    # roles that may not view records for care get no ledger at all
    researcher = live_server.client(make_user(engine, "res", [Role.RESEARCHER]))
    assert researcher.get("/api/v1/imports").status_code == 403
