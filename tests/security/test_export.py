# SPDX-License-Identifier: Apache-2.0
"""Item 11: downloading a report (JSON, FHIR, HTML, PDF) needs ``export``, not just a view."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from oncoboard.governance.vocabulary import Role
from tests.conftest import LiveServer, make_user

FORMATS = ["json", "fhir", "html", "pdf"]


@pytest.mark.parametrize("role", [Role.NURSE, Role.TUMOR_BOARD])
def test_viewers_without_export_cannot_download_the_report(
    two_patients: Engine, live_server: LiveServer, role: Role
) -> None:
    api = live_server.client(make_user(two_patients, "viewer", [role]))
    assert api.get("/api/v1/patients/PT-A").status_code == 200  # may view the record
    for fmt in FORMATS:
        refused = api.get("/patients/PT-A/report/download", params={"format": fmt})
        assert refused.status_code == 403, (fmt, refused.text)
        assert "may not export for purpose treatment" in refused.text
    for path in ("/api/v1/patients/PT-A/report", "/api/v1/patients/PT-A/report/fhir"):
        refused = api.get(path)
        assert refused.status_code == 403 and "export" in refused.json()["detail"]


def test_a_clinician_may_download_and_the_export_is_audited(
    two_patients: Engine, live_server: LiveServer
) -> None:
    api = live_server.client()
    download = api.get("/patients/PT-A/report/download", params={"format": "json"})
    assert download.status_code == 200, download.text
    assert "attachment" in download.headers["content-disposition"]
    officer = live_server.client(make_user(two_patients, "qo", [Role.QUALITY_OFFICER]))
    trail = officer.get("/api/v1/audit/export", params={"patient": "PT-A"}).text
    assert '"action": "export"' in trail and "report json: export" in trail
