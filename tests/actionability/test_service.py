# SPDX-License-Identifier: Apache-2.0
"""The engine on stored data: the demo cohort against the real MOAlmanac release.

Expected values come from the drug labels, not from our output: osimertinib is FDA-approved for
metastatic NSCLC with EGFR L858R (TAGRISSO PI §1); pembrolizumab for MSI-H/dMMR colorectal cancer
(KEYTRUDA PI §1, KEYNOTE-177); trastuzumab-based therapy for HER2-amplified breast cancer.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from oncoboard.actionability.service import assess_patient, propose_new
from oncoboard.demo.loader import load_demo
from oncoboard.governance import decisions, gate
from oncoboard.governance.users import actor_for
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.knowledge import service as kb
from oncoboard.knowledge.sources.moalmanac import LegacyReader
from oncoboard.settings import Settings
from oncoboard.store.db import unit_of_work
from tests.support import shared_file

pytestmark = pytest.mark.shared


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


def _assess(engine: Engine, patient: str) -> object:
    with unit_of_work(engine) as session:
        actor = actor_for(session, "oncologist")
        access = gate.authorize(
            session,
            actor=actor,
            action=Action.VIEW_RECORD,
            purpose=Purpose.TREATMENT,
            obj="report",
            patient_id=patient,
        )
        # the MOAlmanac release only (the demo also ships CIViC and CGI)
        return assess_patient(session, access=access, release_ids=["moalmanac@2025-12-26"])


def _options(result: object) -> dict[str, object]:
    """The strongest finding per therapy (options are ranked strongest first)."""
    best: dict[str, object] = {}
    for finding in result.assessment.options:  # type: ignore[attr-defined]
        best.setdefault(finding.assertion.therapy.name, finding)
    return best


def test_egfr_l858r_lung_adenocarcinoma_gets_osimertinib_tier_one(cohort: Engine) -> None:
    result = _assess(cohort, "demo-002")
    osimertinib = _options(result)["Osimertinib"]
    assert osimertinib.tier.amp_tier == "Tier I" and osimertinib.disease.on_label  # type: ignore[attr-defined]
    assert osimertinib.result.facts[0].provenance.source_name == "demo-002.vep.vcf"  # type: ignore[attr-defined]
    counts = result.assessment.counts  # type: ignore[attr-defined]
    assert sum(counts.values()) == result.releases[0].assertion_count  # type: ignore[attr-defined]


def test_msi_high_colorectal_gets_pembrolizumab_on_label(cohort: Engine) -> None:
    pembrolizumab = _options(_assess(cohort, "demo-003"))["Pembrolizumab"]
    assert pembrolizumab.result.reason == "MSI-H/dMMR" and pembrolizumab.disease.on_label  # type: ignore[attr-defined]


def test_her2_amplified_breast_gets_trastuzumab_based_options(cohort: Engine) -> None:
    names = set(_options(_assess(cohort, "demo-001")))
    assert any("Trastuzumab" in name for name in names)


def test_recommendations_are_proposed_once_and_await_decisions(cohort: Engine) -> None:
    result = _assess(cohort, "demo-002")
    with unit_of_work(cohort) as session:
        admin = actor_for(session, "admin")
        edit = gate.authorize(
            session,
            actor=admin,
            action=Action.EDIT_RECORD,
            purpose=Purpose.TREATMENT,
            obj="recommendations",
            patient_id="demo-002",
        )
        first = propose_new(session, access=edit, proposed=result.recommendations)  # type: ignore[attr-defined]
        again = propose_new(session, access=edit, proposed=result.recommendations)  # type: ignore[attr-defined]
        view = gate.authorize(
            session,
            actor=admin,
            action=Action.VIEW_RECORD,
            purpose=Purpose.TREATMENT,
            obj="recommendations",
            patient_id="demo-002",
        )
        stored = decisions.list_for_patient(session, access=view)
    assert len(first) == len(result.recommendations) and again == []  # type: ignore[attr-defined]
    assert all(item.decision is None for item in stored)
    assert any("research use only" in item.recommendation.limitations for item in stored)
