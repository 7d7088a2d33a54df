# SPDX-License-Identifier: Apache-2.0
"""Item 8: research answers carry pseudonyms and no direct identifiers — every research route.

The walk calls every GET route of the app (API and pages) as a researcher, with the path filled
in for a consented patient whose name, birth date and record number are known; whatever a
researcher may read must not contain them, nor the patient's real id.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from oncoboard.api.app import create_app
from oncoboard.governance import pseudonyms
from oncoboard.governance.vocabulary import Purpose, Role
from oncoboard.record.schemas import (
    CancerCondition,
    Demographics,
    PerformanceStatus,
    SomaticVariant,
)
from oncoboard.settings import Settings
from oncoboard.store.db import unit_of_work
from tests.actionability.test_screening import ADMIN, set_consent
from tests.conftest import LiveServer, make_user
from tests.support import api_routes, shared_file
from tests.trials.support import PALLAS, write_facts

pytestmark = pytest.mark.shared

PATIENT, NAME, BORN, MRN = "MRN-4471-RIV", "Ana Rivera", "1961-03-02", "HSP-7788123"
SECRETS = (PATIENT, NAME, BORN, MRN)


@pytest.fixture
def research_site(engine: Engine) -> Engine:
    from oncoboard.governance.users import actor_for
    from oncoboard.trials import service

    make_user(engine, ADMIN, [Role.ADMIN])
    with unit_of_work(engine) as session:
        access = service.authorize_import(session, actor_for(session, ADMIN), "t.json")
        data = shared_file(*PALLAS).read_bytes()
        service.import_trials(session=session, access=access, data=data, source_name="t.json")
    write_facts(
        engine, PATIENT,
        Demographics(name=NAME, sex="female", birth_date=BORN, identifiers=(MRN,)),
        CancerCondition(oncotree_code="BRCA", display="Invasive breast carcinoma"),
        SomaticVariant(genome_build="GRCh38", gene="PIK3CA", hgvs_p="p.H1047R"),
        PerformanceStatus(scale="ECOG", score=1),
    )  # fmt: skip
    set_consent(engine, PATIENT, Purpose.RESEARCH, "granted")
    return engine


def test_feasibility_answers_with_a_pseudonym_and_no_identifiers(
    research_site: Engine, live_server: LiveServer
) -> None:
    researcher = live_server.client(make_user(research_site, "res", [Role.RESEARCHER]))
    answer = researcher.get("/api/v1/trials/NCT02513394/feasibility")
    assert answer.status_code == 200, answer.text
    body = answer.text
    assert answer.json()["screened"] == 1
    for secret in SECRETS:
        assert secret not in body  # before: the id, "Ana Rivera, born 1961-03-02"
    with unit_of_work(research_site) as session:
        expected = pseudonyms.pseudonym(pseudonyms.key(session), PATIENT)
    listed = [p["patient_id"] for p in answer.json()["possibly_eligible"]]
    assert listed == [expected] and re.fullmatch(r"RP-[A-Z2-7]{16}", expected)
    # the same patient keeps the same pseudonym from one question to the next
    again = researcher.get("/api/v1/trials/NCT02513394/feasibility").json()
    assert [p["patient_id"] for p in again["possibly_eligible"]] == listed
    # a clinician asking for care sees the record as it is
    clinician = live_server.client().get(f"/api/v1/patients/{PATIENT}").text
    assert PATIENT in clinician


def _get_routes() -> list[str]:
    app = create_app(Settings(env="test", database_url="sqlite://"))
    paths = [path for path, route in api_routes(app) if "GET" in route.methods]
    return sorted(set(paths))


def test_no_route_a_researcher_can_read_shows_direct_identifiers(
    research_site: Engine, live_server: LiveServer
) -> None:
    researcher = live_server.client(make_user(research_site, "res2", [Role.RESEARCHER]))
    fill = {"patient_id": PATIENT, "nct_id": "NCT02513394"}
    readable = []
    for path in _get_routes():
        url = re.sub(r"\{([^}]+)\}", lambda m: fill.get(m.group(1), "1"), path)
        params = {"drug": "Alpelisib"} if path.endswith("/screen") else {}
        answer = researcher.get(url, params=params)
        if answer.status_code != 200:
            continue
        readable.append(path)
        leaked = [s for s in SECRETS if s in answer.text]
        assert leaked == [], (path, leaked)
    # the walk reached the research routes themselves (not only refusals)
    assert "/api/v1/trials/{nct_id}/feasibility" in readable and "/api/v1/screen" in readable
