# SPDX-License-Identifier: Apache-2.0
"""In Chromium under a strict Content-Security-Policy: the quality officer reads a card and
releases the model, checks drift on an uploaded file; a clinician then reads the prediction on
the patient page, its plot beside its table, and adds it to the record for review."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.governance.vocabulary import Role
from tests.conftest import LiveServer, make_user
from tests.monitoring.test_plot_browser import shot, strict_csp
from tests.prediction.test_pages import _gbsg2_windows
from tests.prediction.test_routes import JENNY, _train
from tests.support import import_file, shared_file
from tests.web.conftest import browser  # noqa: F401  (the shared Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.shared]
DESKTOP = {"width": 1280, "height": 900}


def _beside(page: object, figure: str, table: str) -> bool:
    plot = page.locator(figure).bounding_box()  # type: ignore[attr-defined]
    data = page.locator(table).bounding_box()  # type: ignore[attr-defined]
    return bool(plot and data and data["x"] >= plot["x"] + plot["width"] - 1)


def test_release_drift_and_prediction_in_chromium(
    browser: object,  # noqa: F811
    engine: Engine,
    live_server: LiveServer,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    patient_id = import_file(engine, shared_file(*JENNY), genome_build="GRCh37").patients[0]
    model = _train(engine)
    make_user(engine, "qo", [Role.QUALITY_OFFICER])

    officer = live_server.browser_page(browser, "qo", viewport=DESKTOP)
    refused = strict_csp(officer)
    officer.goto(live_server.url + "/models")
    officer.get_by_role("link", name=model).first.click()
    expect(officer.locator("#promotion-h")).to_have_text("Release status: candidate")
    expect(officer.locator("#card-subgroups")).to_contain_text("too few events")
    assert _beside(officer, "#card-sub", "#card-subgroups")
    officer.fill("#promote-reason", "Card, subgroups and plan reviewed")
    officer.get_by_role("button", name="Release this version").click()
    expect(officer.locator("#promotion-h")).to_have_text("Release status: released")

    drift = tmp_path / "gbsg2-windows.csv"
    drift.write_bytes(_gbsg2_windows())
    officer.get_by_role("link", name="Drift").first.click()
    officer.set_input_files("#drift-file", str(drift))
    officer.get_by_role("button", name="Check drift").click()
    expect(officer.locator("#drift-psi")).to_be_visible()
    expect(officer.locator("#drift-c")).to_be_visible()
    assert _beside(officer, "#drift-psi", "#drift-features")
    expect(officer.locator("#drift-windows")).to_contain_text("2026-Q2")
    shot(officer, tmp_path, "model-drift.png")

    clinician = live_server.browser_page(browser, viewport=DESKTOP)
    refused += strict_csp(clinician)
    clinician.goto(f"{live_server.url}/patients/{patient_id}#prediction")
    section = clinician.locator("#prediction")
    expect(section.locator("#prediction-estimate")).to_contain_text("95% interval")
    expect(section.locator("svg#pred-contrib")).to_be_visible()
    assert _beside(clinician, "#pred-contrib", "#prediction-features")
    expect(section.locator("#prediction-limitations")).to_contain_text("outside the training range")
    shot(clinician, tmp_path, "patient-prediction.png")
    clinician.get_by_role("button", name="Add this prediction to the record for review").click()
    added = clinician.locator("article.rec", has_text="Estimated 5-year overall survival")
    expect(added).to_contain_text("AI-generated")
    expect(added).to_contain_text("proposed")

    clinician.set_viewport_size({"width": 360, "height": 740})
    clinician.goto(f"{live_server.url}/patients/{patient_id}#prediction")
    plot = clinician.locator("svg#pred-contrib").bounding_box()
    assert plot is not None and plot["width"] <= 360
    assert refused == []
