# SPDX-License-Identifier: Apache-2.0
"""SMART on FHIR: EHR and standalone launch with PKCE against a test EHR on 127.0.0.1 that
serves a real Synthea R4 patient; the record is imported through the FHIR importer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from oncoboard.ehr import fhir_client
from oncoboard.errors import InputError
from oncoboard.record.models import FactRow, PatientRow
from oncoboard.settings import Settings
from oncoboard.store.db import unit_of_work
from tests.conftest import TEST_PASSWORD, TEST_USER, LiveServer
from tests.ehr.smart_ehr import EhrState, TestEhr, load_transaction
from tests.support import shared_file

pytestmark = pytest.mark.shared
DARIN = "interop/synthea/bundles-r4/Darin_Skiles_31c343e9-5d7f-444e-9be4-56b1a6ec6146.json.gz"


@pytest.fixture
def ehr_state() -> EhrState:
    state = EhrState()
    state.standalone_patient = load_transaction(state, shared_file(*DARIN.split("/")))
    state.launches["L-PGX"] = (state.standalone_patient, "patient=x&page=pgx")
    state.launches["L-PLAIN"] = (state.standalone_patient, None)
    return state


@pytest.fixture
def ehr(ehr_state: EhrState) -> Iterator[TestEhr]:
    with TestEhr(ehr_state) as server:
        yield server


@pytest.fixture
def oncoboard(engine: Engine, tmp_path: Path, ehr: TestEhr) -> Iterator[LiveServer]:
    settings = Settings(
        env="test",
        database_url=engine.url.render_as_string(hide_password=False),
        upload_dir=tmp_path / "uploads",
        smart_clients=ehr.smart_clients(tmp_path),
    )
    with LiveServer(settings, engine) as live:
        ehr.state.redirect_uris.add(live.url + "/smart/callback")
        yield live


def _facts(engine: Engine, patient: str) -> dict[str, int]:
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(FactRow.kind, func.count())
            .join(PatientRow, PatientRow.id == FactRow.patient_id)
            .where(PatientRow.external_id == patient)
            .group_by(FactRow.kind)
        ).all()
    return {kind: n for kind, n in rows}


def _follow(client: httpx.Client, url: str) -> list[httpx.Response]:
    """Follow redirects one by one (across both servers) and keep every hop."""
    hops = []
    for _ in range(10):
        response = client.get(url)
        hops.append(response)
        if response.status_code not in (302, 303):
            return hops
        url = str(response.url.join(response.headers["location"]))
    raise AssertionError("too many redirects")


def test_ehr_launch_in_chromium_signs_in_and_opens_the_imported_patient(
    browser: Any, oncoboard: LiveServer, ehr: TestEhr, engine: Engine
) -> None:
    patient = ehr.state.standalone_patient
    page = browser.new_page()
    try:
        page.goto(f"{oncoboard.url}/smart/launch?iss={ehr.fhir_base}&launch=L-PGX")
        page.wait_for_url("**/login?**")  # the EHR authorized; now OncoBoard's own sign-in
        assert "next=%2Fsmart%2Fopen" in page.url
        page.fill("#username", TEST_USER)
        page.fill("#password", TEST_PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(f"**/patients/{patient}*")
        assert page.url.endswith("#pharmacogenomics")  # the CDS card's appContext page
        assert "Skiles" in page.content()
        assert page.locator("#conditions").count() == 1
    finally:
        page.close()
    # the authorization request used PKCE and the token exchange succeeded
    assert "POST /auth/token" in ehr.state.log and not ehr.state.codes
    facts = _facts(engine, patient)
    assert facts.get("condition", 0) >= 1 and sum(facts.values()) > 5


def test_standalone_launch_imports_once_with_provenance(
    oncoboard: LiveServer, ehr: TestEhr, engine: Engine
) -> None:
    patient = ehr.state.standalone_patient
    headers = {"Authorization": f"Bearer {oncoboard.token}"}
    with httpx.Client(headers=headers, timeout=30) as client:
        hops = _follow(client, f"{oncoboard.url}/smart/launch?iss={ehr.fhir_base}")
    authorize = next(h for h in hops if "/auth/authorize" in str(h.url))
    query = dict(authorize.url.params)
    assert query["code_challenge_method"] == "S256" and "launch" not in query
    assert query["scope"].startswith("launch/patient")
    assert hops[-1].status_code == 200 and str(hops[-1].url).endswith(f"/patients/{patient}")
    first = _facts(engine, patient)
    with httpx.Client(headers=headers, timeout=30) as client:
        again = _follow(client, f"{oncoboard.url}/smart/launch?iss={ehr.fhir_base}&launch=L-PLAIN")
    assert again[-1].status_code == 200
    assert _facts(engine, patient) == first  # the same record read again changes nothing
    record = oncoboard.client().get(f"/api/v1/patients/{patient}").json()
    condition = record["conditions"][0]
    host = ehr.base.removeprefix("http://").replace(":", "-")
    assert condition["provenance"]["source_name"] == f"ehr-{host}-{patient}.fhir.json"
    assert "(Condition/" in condition["provenance"]["locator"]


def test_launch_from_an_unregistered_ehr_is_refused(oncoboard: LiveServer) -> None:
    response = httpx.get(
        f"{oncoboard.url}/smart/launch?iss=https://evil.example/fhir&launch=x", timeout=10
    )
    assert response.status_code == 422
    assert "evil.example" in response.text and "location" not in response.headers


def test_callback_with_another_launchs_state_is_refused(
    oncoboard: LiveServer, ehr: TestEhr
) -> None:
    with httpx.Client(timeout=30) as mine:
        started = mine.get(f"{oncoboard.url}/smart/launch?iss={ehr.fhir_base}&launch=L-PLAIN")
        authorized = mine.get(started.headers["location"])
        callback = authorized.headers["location"]
    with httpx.Client(timeout=30) as attacker:  # its own launch cookie, the victim's code
        attacker.get(f"{oncoboard.url}/smart/launch?iss={ehr.fhir_base}&launch=L-PLAIN")
        response = attacker.get(callback)
    assert response.status_code == 422 and "state" in response.text
    assert "POST /auth/token" not in ehr.state.log


def test_fhir_reader_refuses_another_patients_resource(ehr: TestEhr) -> None:
    patient = ehr.state.standalone_patient
    ehr.state.tokens["t"] = patient
    condition = next(r for (t, _), r in ehr.state.resources.items() if t == "Condition")
    condition["subject"] = {"reference": "Patient/someone-else"}
    # the test server filters by subject, so hand the reader a page that breaks the rule
    with pytest.raises(InputError) as refused:
        fhir_client._check(condition, "Condition", patient, ehr.fhir_base + "/Condition")
    assert "Patient/someone-else" in str(refused.value)
    bundle = fhir_client.read_record(ehr.fhir_base, "t", patient)
    types = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert types <= {"Patient", "Condition", "Observation", "MedicationRequest"}
    assert bundle["entry"][0]["resource"]["id"] == patient
