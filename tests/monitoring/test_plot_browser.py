# SPDX-License-Identifier: Apache-2.0
"""The symptom chart in Chromium under a strict Content-Security-Policy: drawn, inside its column
at desktop and phone width, the data tables beside it, a surgery as one point, no CSP refusal."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from oncoboard.governance.vocabulary import Role
from tests.conftest import LiveServer, make_user
from tests.support import import_file
from tests.web.conftest import browser  # noqa: F401  (the shared Chromium fixture)

pytestmark = pytest.mark.browser
# what #16 asks of every page: no inline script, no inline style (attribute or element)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")  # fmt: skip
SCREENSHOTS = os.environ.get("ONCOBOARD_SCREENSHOTS")


def strict_csp(page: Any) -> list[str]:
    """Serve every page with the strict policy; return the list the refusals are collected in."""
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else None)

    def handle(route: Any) -> None:
        # pages fetched with GET only: Chromium does not expose an uploaded file's bytes to an
        # interception, so a form POST goes through untouched
        if route.request.resource_type != "document" or route.request.method != "GET":
            route.continue_()
            return
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": CSP}
        )

    page.route("**/*", handle)
    return refused


def shot(page: Any, tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    page.screenshot(path=str(target), full_page=True)
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(target, Path(SCREENSHOTS) / name)


def _record(tmp_path: Path) -> Path:
    """PT-A on capecitabine since 2026-09-01 and a breast excision on 2026-10-08 (FHIR R4)."""
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "id": "PT-A"}},
        {"fullUrl": "urn:uuid:m1", "resource": {
            "resourceType": "MedicationStatement", "id": "m1", "status": "active",
            "medicationCodeableConcept": {"text": "capecitabine"},
            "subject": {"reference": "urn:uuid:p1"}, "effectivePeriod": {"start": "2026-09-01"}}},
        {"fullUrl": "urn:uuid:s1", "resource": {
            "resourceType": "Procedure", "id": "s1", "status": "completed",
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "64368001",
                                 "display": "Excision of part of breast"}]},
            "subject": {"reference": "urn:uuid:p1"}, "performedDateTime": "2026-10-08"}},
    ]}  # fmt: skip
    path = tmp_path / "record.fhir.json"
    path.write_text(json.dumps(bundle))
    return path


def _report(server: LiveServer, token: str, severity: int, when: datetime) -> None:
    answers = {"hand_foot_syndrome.severity": severity, "diarrhea.frequency": 0,
               "nausea.frequency": 1, "nausea.severity": 1, "mouth_or_throat_sores.severity": 0}  # fmt: skip
    made = server.client(token).post(
        "/api/v1/patients/PT-A/pro/submissions",
        json={
            "questionnaire_id": "capecitabine",
            "idempotency_key": str(uuid.uuid4()),
            "answers": answers,
            "authored_at": when.isoformat(),
        },
    )
    assert made.status_code == 201, made.text


def test_symptom_chart_in_chromium(
    browser: object,  # noqa: F811
    engine: Engine,
    live_server: LiveServer,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    import_file(engine, _record(tmp_path))
    token = make_user(engine, "pat-a", [Role.PATIENT], patient="PT-A")
    for day, severity in ((5, 1), (12, 3), (26, 2)):
        _report(live_server, token, severity, datetime(2026, 10, day, 9, tzinfo=UTC))
    page = live_server.browser_page(browser, viewport={"width": 1280, "height": 900})
    refused = strict_csp(page)
    page.goto(live_server.url + "/patients/PT-A#symptoms")
    chart = page.locator("#symptoms svg#pro-plot")
    expect(chart).to_be_visible()
    box, column = chart.bounding_box(), page.locator("#symptoms").bounding_box()
    assert box is not None and column is not None
    assert box["width"] > 300 and box["x"] + box["width"] <= column["x"] + column["width"] + 1
    grades = page.locator("#pro-grades").bounding_box()
    assert grades is not None and grades["x"] >= box["x"] + box["width"]  # the table beside it
    events = page.locator("#pro-events")
    expect(events).to_contain_text("Excision of part of breast (procedure)")
    expect(events).not_to_contain_text("Excision of part of breast started")
    expect(page.locator("#pro-plot-d")).to_contain_text("2026-10-08 Excision of part of breast")
    shot(page, tmp_path, "symptom-chart-desktop.png")

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/patients/PT-A#symptoms")
    narrow = chart.bounding_box()
    assert narrow is not None and 200 < narrow["width"] <= 360
    overflow = page.evaluate(
        "() => { const s = document.querySelector('#symptoms figure');"
        " return s.scrollWidth - s.clientWidth; }"
    )
    assert overflow <= 0
    shot(page, tmp_path, "symptom-chart-phone.png")
    assert refused == []
