# SPDX-License-Identifier: Apache-2.0
"""Registry import with history, all-or-nothing; matching proposals; feasibility; the gate."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, func, select

from oncoboard.errors import ConsentDenied, InputError, PermissionDenied
from oncoboard.governance import decisions, gate
from oncoboard.governance.decisions import DecisionIn
from oncoboard.governance.users import actor_for
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.record.schemas import (
    CancerCondition,
    Demographics,
    PerformanceStatus,
    SomaticVariant,
)
from oncoboard.store.db import unit_of_work
from oncoboard.trials import service
from oncoboard.trials.models import TrialRow, TrialVersionRow
from tests.actionability.test_screening import set_consent
from tests.conftest import make_user
from tests.support import research_names, shared_file
from tests.trials.support import PALLAS, SEARCH_PAGE, write_facts

pytestmark = pytest.mark.shared
ADMIN = "screen-admin"  # set_consent (tests.actionability) acts as this user


def _import(engine: Engine, data: bytes, name: str = "page.json"):  # type: ignore[no-untyped-def]
    with unit_of_work(engine) as session:
        access = service.authorize_import(session, actor_for(session, ADMIN), name)
        return service.import_trials(session=session, access=access, data=data, source_name=name)


def _counts(engine: Engine) -> tuple[int, int]:
    with unit_of_work(engine) as session:
        return (
            int(session.scalar(select(func.count()).select_from(TrialRow)) or 0),
            int(session.scalar(select(func.count()).select_from(TrialVersionRow)) or 0),
        )


@pytest.fixture
def admin(engine: Engine) -> Engine:
    make_user(engine, ADMIN, [Role.ADMIN])
    return engine


def test_import_reimport_and_newer_version_keeps_history(admin: Engine) -> None:
    page = shared_file(*SEARCH_PAGE).read_bytes()
    report = _import(admin, page)
    assert [i.outcome for i in report.items] == ["created"] * 10
    assert _counts(admin) == (10, 10)
    assert {i.outcome for i in _import(admin, page).items} == {"unchanged"}  # idempotent
    assert _counts(admin) == (10, 10)
    study = json.loads(shared_file(*PALLAS).read_text())
    _import(admin, json.dumps(study).encode(), "NCT02513394.json")
    study["protocolSection"]["statusModule"]["lastUpdateSubmitDate"] = "2024-01-31"
    study["protocolSection"]["eligibilityModule"]["maximumAge"] = "70 Years"
    (item,) = _import(admin, json.dumps(study).encode(), "newer.json").items
    assert (item.outcome, item.previous_version) == ("updated", "2023-06-13")
    with unit_of_work(admin) as session:
        access = service.authorize_read(session, actor_for(session, ADMIN), "show")
        detail = service.get_trial(session=session, access=access, nct_id="NCT02513394")
    assert [v.version for v in detail.history] == ["2023-06-13", "2024-01-31"]
    assert detail.trial.eligibility.maximum_age_years == 70.0
    # an older version with other content is refused, nothing written
    study["protocolSection"]["statusModule"]["lastUpdateSubmitDate"] = "2020-01-01"
    with pytest.raises(InputError, match="newer than the stored 2024-01-31"):
        _import(admin, json.dumps(study).encode(), "older.json")
    assert _counts(admin) == (11, 12)


@pytest.mark.parametrize(
    ("content", "match"),
    [(b"{not json", "not JSON"), (b'{"studies": [{"hasResults": false}]}', "protocolSection")],
    ids=["not-json", "no-protocol-section"],
)
def test_bad_input_writes_nothing(admin: Engine, content: bytes, match: str) -> None:
    with pytest.raises(InputError, match=match):
        _import(admin, content, "bad.json")
    assert _counts(admin) == (0, 0)


def test_a_bad_study_refuses_the_whole_page(admin: Engine) -> None:
    page = json.loads(shared_file(*SEARCH_PAGE).read_text())
    page["studies"][9]["protocolSection"]["eligibilityModule"]["maximumAge"] = "old"
    with pytest.raises(InputError, match=r"study 10 \(NCT06411691\).*maximumAge"):
        _import(admin, json.dumps(page).encode())
    assert _counts(admin) == (0, 0)


def _patient(engine: Engine, patient: str, gene_change: str) -> None:
    write_facts(
        engine, patient,
        Demographics(sex="female", birth_date="1960-01-01"),
        CancerCondition(oncotree_code="LUAD", display="Lung adenocarcinoma"),
        SomaticVariant(genome_build="GRCh38", gene="KRAS", hgvs_p=gene_change),
        PerformanceStatus(scale="ECOG", score=1),
    )  # fmt: skip


def test_match_propose_and_coordinator_decision_nurse_cannot(admin: Engine) -> None:
    _import(admin, shared_file(*SEARCH_PAGE).read_bytes())
    _patient(admin, "PT-1", "p.G12C")
    make_user(admin, "dr-a", [Role.CLINICIAN])
    make_user(admin, "nurse-b", [Role.NURSE])
    with unit_of_work(admin) as session:
        actor = actor_for(session, "dr-a")
        view = gate.authorize(session, actor=actor, action=Action.VIEW_RECORD,
                              purpose=Purpose.TREATMENT, obj="t", patient_id="PT-1")  # fmt: skip
        edit = gate.authorize(session, actor=actor, action=Action.EDIT_RECORD,
                              purpose=Purpose.TREATMENT, obj="t", patient_id="PT-1")  # fmt: skip
        result = service.match_patient(session=session, access=view, propose_with=edit)
    by_id = {m.nct_id: m for m in result.matches}
    assert by_id["NCT06385925"].excluded_by  # KRAS G12D trial: the G12C patient is excluded
    assert by_id["NCT05288205"].verdict.value == "needs_review"
    assert result.matches[-1].verdict.value == "excluded"  # ranked: excluded last
    assert result.recommendation_ids
    rec_id = result.recommendation_ids[0]
    with pytest.raises(PermissionDenied), unit_of_work(admin) as session:
        decisions.authorize_decision(session, actor_for(session, "nurse-b"), rec_id)
    with unit_of_work(admin) as session:
        access = decisions.authorize_decision(session, actor_for(session, "dr-a"), rec_id)
        decision = decisions.record_decision(
            session, access=access, recommendation_id=rec_id,
            decision_in=DecisionIn(outcome="screened"),
        )  # fmt: skip
    assert decision.outcome == "screened"
    with pytest.raises(ValueError, match="reason is required"):
        DecisionIn(outcome="not_suitable")


def test_feasibility_needs_research_consent(admin: Engine) -> None:
    _import(admin, shared_file(*SEARCH_PAGE).read_bytes())
    _patient(admin, "PT-1", "p.G12C")
    _patient(admin, "PT-2", "p.G12C")
    _patient(admin, "PT-3", "p.G12D")
    make_user(admin, "res-c", [Role.RESEARCHER])
    for patient in ("PT-1", "PT-3"):
        set_consent(admin, patient, Purpose.RESEARCH, "granted")
    with unit_of_work(admin) as session:
        actor = actor_for(session, "res-c")
        access = gate.authorize(session, actor=actor, action=Action.VIEW_RECORD,
                                purpose=Purpose.RESEARCH, obj="feasibility")  # fmt: skip
        result = service.feasibility(
            session=session, access=access, actor=actor, nct_id="NCT05288205"
        )
    # PT-2 has no research consent: not screened; PT-3 (G12D) is excluded
    assert result.screened == 2
    names = research_names(admin)  # research answers carry pseudonyms
    assert [names[p.patient_id] for p in result.possibly_eligible] == ["PT-1"]
    assert result.possibly_eligible[0].open_criteria
    with pytest.raises(ConsentDenied), unit_of_work(admin) as session:
        gate.authorize(session, actor=actor_for(session, "res-c"), action=Action.VIEW_RECORD,
                       purpose=Purpose.RESEARCH, obj="x", patient_id="PT-2")  # fmt: skip


def test_a_newer_version_is_screened_at_once(admin: Engine) -> None:
    """The registry index is cached per process; a re-import must be seen by the next match."""
    study = json.loads(shared_file(*PALLAS).read_text())
    _import(admin, json.dumps(study).encode(), "NCT02513394.json")
    _patient(admin, "PT-1", "p.G12C")  # born 1960-01-01: 66 on the day this runs or older
    make_user(admin, "dr-a", [Role.CLINICIAN])

    def excluded_by() -> tuple[str, ...]:
        with unit_of_work(admin) as session:
            view = gate.authorize(session, actor=actor_for(session, "dr-a"),
                                  action=Action.VIEW_RECORD, purpose=Purpose.TREATMENT,
                                  obj="t", patient_id="PT-1")  # fmt: skip
            (match,) = service.match_patient(session=session, access=view).matches
        return match.excluded_by

    assert "M-age" not in excluded_by()
    study["protocolSection"]["statusModule"]["lastUpdateSubmitDate"] = "2024-01-31"
    study["protocolSection"]["eligibilityModule"]["maximumAge"] = "40 Years"
    _import(admin, json.dumps(study).encode(), "newer.json")
    assert "M-age" in excluded_by()


def test_a_clinician_overrides_a_criterion_with_a_reason_a_nurse_cannot(admin: Engine) -> None:
    _import(admin, shared_file(*SEARCH_PAGE).read_bytes())
    _patient(admin, "PT-9", "p.G12D")
    make_user(admin, "dr-o", [Role.CLINICIAN])
    make_user(admin, "nurse-o", [Role.NURSE])

    def decide(user: str, state: str, reason: str) -> object:
        with unit_of_work(admin) as session:
            actor = actor_for(session, user)
            view = gate.authorize(session, actor=actor, action=Action.VIEW_RECORD,
                                  purpose=Purpose.TREATMENT, obj="t", patient_id="PT-9")  # fmt: skip
            decide_access = gate.authorize(session, actor=actor, action=Action.DECIDE,
                                           purpose=Purpose.TREATMENT, obj="t", patient_id="PT-9")  # fmt: skip
            return service.override_criterion(
                session=session, access=view, decide=decide_access, nct_id="NCT05288205",
                criterion_id="I2", state=state, reason=reason,
            )  # fmt: skip

    with pytest.raises(PermissionDenied):
        decide("nurse-o", "met", "nurses do not decide eligibility")
    with pytest.raises(InputError, match="reason is required"):
        decide("dr-o", "met", "  ")
    match = decide("dr-o", "met", "G12C on the second biopsy")
    i2 = next(c for c in match.criteria if c.criterion_id == "I2")  # type: ignore[attr-defined]
    assert i2.state.value == "met" and i2.override.reader_state.value == "not_met"
    assert "I2" not in match.excluded_by  # type: ignore[attr-defined]
    # every later screening applies it; withdrawing restores the reader's state
    with unit_of_work(admin) as session:
        actor = actor_for(session, "dr-o")
        view = gate.authorize(session, actor=actor, action=Action.VIEW_RECORD,
                              purpose=Purpose.TREATMENT, obj="t", patient_id="PT-9")  # fmt: skip
        again = {m.nct_id: m for m in service.match_patient(session=session, access=view).matches}
    assert "I2" not in again["NCT05288205"].excluded_by
    withdrawn = decide("dr-o", "reader", "withdrawn: biopsy report not confirmed")
    assert "I2" in withdrawn.excluded_by  # type: ignore[attr-defined]


def test_feasibility_leaves_other_cohorts_out_of_what_is_open(admin: Engine) -> None:
    """NCT05786924: a KRAS G12C lung patient fits Part 2A4; other cohorts (Part 1A: "KRAS
    non-G12C, HRAS, NRAS, BRAF or CRAF" — no panel recorded, so unknown) are alternatives, not
    open questions for the research team."""
    _import(admin, shared_file(*SEARCH_PAGE).read_bytes())
    write_facts(
        admin, "PT-9",
        Demographics(sex="female", birth_date="1960-01-01"),
        CancerCondition(oncotree_code="LUAD", display="Lung adenocarcinoma", stage="IV"),
        SomaticVariant(genome_build="GRCh38", gene="KRAS", hgvs_p="p.G12C"),
        PerformanceStatus(scale="ECOG", score=1),
    )  # fmt: skip
    make_user(admin, "res-d", [Role.RESEARCHER])
    set_consent(admin, "PT-9", Purpose.RESEARCH, "granted")
    with unit_of_work(admin) as session:
        actor = actor_for(session, "res-d")
        access = gate.authorize(session, actor=actor, action=Action.VIEW_RECORD,
                                purpose=Purpose.RESEARCH, obj="feasibility")  # fmt: skip
        result = service.feasibility(
            session=session, access=access, actor=actor, nct_id="NCT05786924"
        )
    (patient,) = result.possibly_eligible
    assert patient.open_criteria  # other criteria still need review
    assert all(c.cohort is None for c in patient.open_criteria)


def test_trials_read_by_older_readers_are_read_again_once(admin: Engine) -> None:
    """A release that improves the criterion readers bumps the payload format: db upgrade (and
    a re-import of the same text) store the new reading, so no process pays it again."""
    from oncoboard.trials import compact
    from oncoboard.trials.reread import reread_stale

    page = shared_file(*SEARCH_PAGE).read_bytes()
    _import(admin, page)
    with unit_of_work(admin) as session:
        current = {row.nct_id: row.criteria for row in session.scalars(select(TrialRow))}
        for row in session.scalars(select(TrialRow)):  # as an older release stored them
            row.screen = {**row.screen, "format": compact.FORMAT - 1}
            row.criteria = []
    with unit_of_work(admin) as session:
        assert reread_stale(session) == 10
    with unit_of_work(admin) as session:
        rows = list(session.scalars(select(TrialRow)))
        assert {row.nct_id: row.criteria for row in rows} == current
        assert {row.screen["format"] for row in rows} == {compact.FORMAT}
        assert reread_stale(session) == 0
        rows[0].screen = {**rows[0].screen, "format": 0}
        stale = rows[0].nct_id
    # an import of the unchanged text also stores the current reading
    assert {i.outcome for i in _import(admin, page).items} == {"unchanged"}
    with unit_of_work(admin) as session:
        row = session.scalars(select(TrialRow).where(TrialRow.nct_id == stale)).one()
        assert row.screen["format"] == compact.FORMAT
