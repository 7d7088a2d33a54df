# SPDX-License-Identifier: Apache-2.0
"""Capecitabine Table 2 "appearances" counted per toxicity across grades, from approved dose
changes on both databases: one test per path of the table (facts doc §2.1, typed from it).

Table 2 (1250 mg/m² BID; 75% = 950, 50% = 625): grade 1 maintain; grade 2 — 1st 100%, 2nd 75%,
3rd 50%, 4th discontinue; grade 3 — 1st 75%, 2nd 50%, 3rd discontinue; grade 4 — 1st
discontinue (or 50%). An appearance is the toxicity's, at whatever grade it came before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from oncoboard.dosing import service
from oncoboard.dosing.models import DoseChangeRow
from oncoboard.dosing.schemas import DoseAction, DoseProposal, DoseProposalIn
from oncoboard.errors import Conflict
from oncoboard.governance import decisions, gate
from oncoboard.governance.decisions import DecisionIn
from oncoboard.governance.gate import Actor
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.store.db import unit_of_work
from tests.support import import_file

PATIENT = "PT-OCC"
DR = Actor(username="dr-occ", display_name="Dr Occ", roles=frozenset({Role.CLINICIAN}))
HFS, DIARRHEA = "hand-foot syndrome", "Diarrhea"
H, D = DoseAction.HOLD, DoseAction.DISCONTINUE


@pytest.fixture
def on_capecitabine(engine: Engine, tmp_path: Path) -> Engine:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "id": PATIENT}},
        {"fullUrl": "urn:uuid:m1", "resource": {
            "resourceType": "MedicationStatement", "id": "m1", "status": "active",
            "medicationCodeableConcept": {"text": "capecitabine"},
            "subject": {"reference": "urn:uuid:p1"}, "effectivePeriod": {"start": "2026-09-01"}}},
    ]}  # fmt: skip
    path = tmp_path / "occ.fhir.json"
    path.write_text(json.dumps(bundle))
    import_file(engine, path)
    return engine


def _propose(engine: Engine, ae: str, grade: int) -> tuple[str, DoseProposal]:
    with unit_of_work(engine) as session:
        access = gate.authorize(session, actor=DR, action=Action.EDIT_RECORD,
                                purpose=Purpose.TREATMENT, obj="test", patient_id=PATIENT)  # fmt: skip
        out = service.propose_dose_change(
            session,
            access=access,
            proposal_in=DoseProposalIn(drug="capecitabine", indication="1250", ae=ae, grade=grade),
        )
    return out.recommendation_id, out.proposal


def _approve(engine: Engine, recommendation_id: str) -> None:
    with unit_of_work(engine) as session:
        access = decisions.authorize_decision(session, DR, recommendation_id)
        decisions.record_decision(session, access=access, recommendation_id=recommendation_id,
                                  decision_in=DecisionIn(outcome="accept"))  # fmt: skip


def history(engine: Engine, *steps: tuple[str, int]) -> None:
    """Approved proposals, in order: the earlier appearances."""
    for ae, grade in steps:
        _approve(engine, _propose(engine, ae, grade)[0])


def answer(engine: Engine, ae: str, grade: int) -> tuple[DoseAction, int, str | None]:
    proposal = _propose(engine, ae, grade)[1]
    return proposal.action, proposal.occurrence, proposal.next_dose


def pct(dose: str | None) -> str | None:
    return dose.rsplit("(", 1)[1].rstrip(")") if dose else None


def test_grade_1_maintains_and_is_not_an_appearance(on_capecitabine: Engine) -> None:
    history(on_capecitabine, (HFS, 1), (HFS, 1))
    action, occurrence, _ = answer(on_capecitabine, HFS, 2)
    assert (action, occurrence) == (H, 1)  # two "maintain" answers counted nothing


def test_grade_2_first_appearance_interrupts_then_100(on_capecitabine: Engine) -> None:
    action, occurrence, dose = answer(on_capecitabine, HFS, 2)
    assert (action, occurrence, pct(dose)) == (H, 1, "100%")


def test_grade_2_second_appearance_75(on_capecitabine: Engine) -> None:
    history(on_capecitabine, (HFS, 2))
    action, occurrence, dose = answer(on_capecitabine, HFS, 2)
    assert (action, occurrence, pct(dose)) == (H, 2, "75%")


def test_grade_2_third_appearance_50(on_capecitabine: Engine) -> None:
    history(on_capecitabine, (HFS, 2), (HFS, 2))
    action, occurrence, dose = answer(on_capecitabine, HFS, 2)
    assert (action, occurrence, pct(dose)) == (H, 3, "50%")


def test_grade_2_fourth_appearance_discontinues(on_capecitabine: Engine) -> None:
    history(on_capecitabine, (HFS, 2), (HFS, 2), (HFS, 2))
    assert answer(on_capecitabine, HFS, 2)[:2] == (D, 4)


def test_grade_3_first_appearance_75(on_capecitabine: Engine) -> None:
    action, occurrence, dose = answer(on_capecitabine, HFS, 3)
    assert (action, occurrence, pct(dose)) == (H, 1, "75%")


def test_grade_3_after_a_grade_2_is_the_second_appearance_50(on_capecitabine: Engine) -> None:
    history(on_capecitabine, (HFS, 2))
    action, occurrence, dose = answer(on_capecitabine, HFS, 3)
    assert (action, occurrence, pct(dose)) == (H, 2, "50%")


def test_grade_3_third_appearance_discontinues(on_capecitabine: Engine) -> None:
    history(on_capecitabine, (HFS, 3), (HFS, 2))
    assert answer(on_capecitabine, HFS, 3)[:2] == (D, 3)


def test_issue_14_three_grade_2_reductions_then_grade_3_discontinues(
    on_capecitabine: Engine,
) -> None:
    # issue #14: this proposed 50% (a "1st grade 3") instead of discontinuing
    history(on_capecitabine, (HFS, 2), (HFS, 2), (HFS, 2))
    assert answer(on_capecitabine, HFS, 3)[:2] == (D, 4)


def test_grade_2_after_a_grade_3_is_the_second_appearance_75(on_capecitabine: Engine) -> None:
    history(on_capecitabine, (HFS, 3))
    action, occurrence, dose = answer(on_capecitabine, HFS, 2)
    assert (action, occurrence, pct(dose)) == (H, 2, "75%")


def test_grade_4_first_appearance_discontinues_or_50(on_capecitabine: Engine) -> None:
    proposal = _propose(on_capecitabine, DIARRHEA, 4)[1]
    assert (proposal.action, proposal.occurrence) == (D, 1)
    assert any("50%" in a for a in proposal.alternatives)


def test_grade_4_after_an_earlier_appearance_discontinues(on_capecitabine: Engine) -> None:
    history(on_capecitabine, (DIARRHEA, 2))
    proposal = _propose(on_capecitabine, DIARRHEA, 4)[1]
    assert (proposal.action, proposal.occurrence, proposal.rule_id) == (D, 2, "cape-g4-later")


def test_each_toxicity_counts_its_own_appearances(on_capecitabine: Engine) -> None:
    history(on_capecitabine, (HFS, 2), (HFS, 2))  # now at 75% (level -1)
    action, occurrence, dose = answer(on_capecitabine, DIARRHEA, 2)
    # diarrhoea's 1st appearance → 100%, but a reduced dose is never re-escalated: stays 75%
    assert (action, occurrence, pct(dose)) == (H, 1, "75%")


def test_changes_stored_per_grade_still_count_toward_the_toxicity(
    on_capecitabine: Engine,
) -> None:
    history(on_capecitabine, (HFS, 2), (HFS, 2))
    with on_capecitabine.begin() as connection:  # keys as stored before counting across grades
        connection.execute(
            update(DoseChangeRow).values(
                occurrence_key="Palmar-plantar erythrodysesthesia syndrome|grade 2"
            )
        )
    action, occurrence, _ = answer(on_capecitabine, HFS, 3)
    assert (action, occurrence) == (D, 3)


def test_a_discontinued_drug_gets_no_further_proposal(on_capecitabine: Engine) -> None:
    history(on_capecitabine, (HFS, 2), (HFS, 2), (HFS, 2), (HFS, 3))  # the 4th: discontinued
    with pytest.raises(Conflict, match="discontinued"):
        _propose(on_capecitabine, DIARRHEA, 1)
