# SPDX-License-Identifier: Apache-2.0
"""Knowledge-base and cohort-screening pages over a real server (cohort and KB from
``tests.actionability.test_screening``: five hand-written MOAlmanac rows, five patients)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from oncoboard.governance.models import AuditRow
from oncoboard.governance.vocabulary import Role
from oncoboard.store.db import unit_of_work
from tests.actionability.test_screening import (
    COMBINATION,
    NRAS_RESISTANCE,
    RELEASE,
    SOTORASIB,
    TRASTUZUMAB,
    VEMURAFENIB,
    cohort,  # noqa: F401  (the fixture)
    publish,
)
from tests.conftest import LiveServer, make_user
from tests.support import research_names
from tests.web.html import table_rows


def test_release_list_and_page_show_hash_notice_and_assertions(
    cohort: Engine,  # noqa: F811
    live_server: LiveServer,
) -> None:
    with live_server.client() as client:  # a clinician
        listing = client.get("/kb").text
        rows = table_rows(listing, "releases")
        assert len(rows) == 2 and rows[1][0].startswith(RELEASE)
        assert "research use only" in rows[1][0]  # MOAlmanac's notice travels with it
        page = client.get(f"/kb/releases/{RELEASE}").text
        assert "research use only" in page
        assertions = table_rows(page, "assertions")
        assert [r[0] for r in assertions[1:]] == [f"moalmanac:{n}" for n in range(1, 6)]
        braf = table_rows(client.get(f"/kb/releases/{RELEASE}", params={"gene": "braf"}).text,
                          "assertions")  # fmt: skip
        # VEMURAFENIB and COMBINATION are BRAF rows; the others KRAS, NRAS, ERBB2
        assert {(r[0], r[3]) for r in braf[1:]} == {
            ("moalmanac:1", "Vemurafenib"),
            ("moalmanac:4", "Cobimetinib + Vemurafenib"),
        }
        missing = client.get("/kb/releases/moalmanac@1999-01-01")
        assert missing.status_code == 404 and "not found" in missing.text


def test_diff_page_names_changes_and_the_patients_affected(
    cohort: Engine,  # noqa: F811
    live_server: LiveServer,
    tmp_path: Path,
) -> None:
    # the next release drops the NRAS resistance row and moves Sotorasib's last_updated on
    newer = [VEMURAFENIB, COMBINATION, TRASTUZUMAB,
             {**SOTORASIB, "therapy_name": "Adagrasib", "last_updated": "2024-03-04"}]  # fmt: skip
    second = publish(cohort, tmp_path / "kb2.json", newer)
    assert second == "moalmanac@2024-03-04"
    with live_server.client() as client:
        page = client.get("/kb/diff", params={"a": RELEASE, "b": second}).text
    removed = table_rows(page, "removed")
    assert [r[0] for r in removed[1:]] == [f"moalmanac:{NRAS_RESISTANCE['assertion_id']}"]
    changed = table_rows(page, "changed")
    assert changed[1][0] == "moalmanac:2" and "therapy" in changed[1][1]
    assert "Adagrasib" in changed[1][3] and "Sotorasib" in changed[1][2]
    # PT-MEL-2 loses its NRAS resistance finding; PT-LUNG's KRAS G12C therapy changes
    affected = table_rows(page, "patient-changes")
    assert {(r[0], r[1]) for r in affected[1:]} >= {
        ("PT-MEL-2", "resistance lost"),
        ("PT-LUNG", "therapy changed"),
    }


def test_screening_page_for_a_researcher_and_refused_to_a_clinician(
    cohort: Engine,  # noqa: F811
    live_server: LiveServer,
) -> None:
    token = make_user(cohort, "page-researcher", [Role.RESEARCHER])
    with live_server.client(token) as client:
        form = client.get("/screen").text
        assert 'id="screen-form"' in form and 'id="screen-result"' not in form
        page = client.get("/screen", params={"drug": "vemurafenib", "run": "true"}).text
    rows = table_rows(page, "screened")
    names = research_names(cohort)  # research answers carry pseudonyms
    patients = {names[row[0]] for row in rows[1:] if row[0] in names}
    assert patients == {"PT-MEL-1", "PT-MEL-2", "PT-LUNG"}  # PT-NO-CONSENT has no consent
    assert "3 matched" in page and "2 with a therapy option" in page
    assert "(resistance)" in page  # NRAS Q61K against vemurafenib is resistance, never an option
    with live_server.client() as clinician:
        refused = clinician.get("/screen", params={"drug": "vemurafenib", "run": "true"})
    assert refused.status_code == 403
    with unit_of_work(cohort) as session:
        outcomes = session.scalars(
            select(AuditRow.outcome).where(AuditRow.object.like("cohort screen%"))
        ).all()
    assert "allowed" in outcomes and "denied" in outcomes
