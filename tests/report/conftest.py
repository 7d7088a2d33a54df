# SPDX-License-Identifier: Apache-2.0
"""The demo cohort plus the real MOAlmanac legacy release (user-supplied path, ../shared)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.demo.loader import load_demo
from oncoboard.governance.users import actor_for
from oncoboard.knowledge import service as kb
from oncoboard.knowledge.sources.moalmanac import LegacyReader
from oncoboard.report import service
from oncoboard.report.schemas import Report
from oncoboard.settings import Settings
from oncoboard.store.db import unit_of_work
from tests.support import import_file, shared_file
from tests.web.conftest import browser  # noqa: F401  (Chromium for the report page)

RELEASE = "moalmanac@2025-12-26"


@pytest.fixture
def cohort(engine: Engine) -> Engine:
    settings = Settings(env="test", database_url=engine.url.render_as_string(hide_password=False))
    list(load_demo(engine=engine, settings=settings))
    with unit_of_work(engine) as session:
        admin = actor_for(session, "admin")
        kb.publish(
            session=session,
            access=kb.authorize_import(session, admin, "moalmanac"),
            reader=LegacyReader(),
            reader_name="moalmanac",
            path=shared_file("kb", "moalmanac", "molecular-oncology-almanac.json.gz"),
        )
    return engine


def build(engine: Engine, patient: str, user: str = "oncologist", **options: object) -> Report:
    with unit_of_work(engine) as session:
        access = service.authorize(session, actor_for(session, user), patient)
        return service.build_report(session, access=access, **options)  # type: ignore[arg-type]


def add_bare_patient(engine: Engine, tmp_path: Path, patient: str = "PT-BARE") -> None:
    """A patient with demographics only: no variants, no tumour type."""
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{patient}",
                "resource": {
                    "resourceType": "Patient",
                    "id": patient,
                    "name": [{"family": "Bare", "given": ["Pat"]}],
                    "gender": "female",
                    "birthDate": "1960-01-01",
                },
            }
        ],
    }
    path = tmp_path / "bare.fhir.json"
    path.write_text(json.dumps(bundle))
    import_file(engine, path)
