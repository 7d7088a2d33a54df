# SPDX-License-Identifier: Apache-2.0
"""The recommendation contract cannot be bypassed; decisions are named, reasoned and immutable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, text

from oncoboard.errors import Conflict, PermissionDenied
from oncoboard.governance import decisions, gate
from oncoboard.governance.decisions import DecisionIn
from oncoboard.governance.recommendation import Recommendation
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.record.schemas import Provenance
from oncoboard.store.db import unit_of_work
from tests.support import import_file

PROVENANCE = Provenance(
    source_name="demo.maf",
    source_sha256="a" * 64,
    locator="line 2",
    importer="maf",
    importer_version="1.0",
    import_id="imp-1",
    imported_at=datetime(2026, 1, 1, tzinfo=UTC),
)


def contract(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "patient_id": "PT-A",
        "kind": "therapy",
        "statement": "Consider osimertinib (EGFR L858R, first line)",
        "basis": [
            {
                "label": "EGFR p.L858R",
                "kind": "variant",
                "provenance": PROVENANCE.model_dump(),
                "match": "protein change",
            }
        ],
        "evidence": [
            {
                "source": "TAGRISSO (osimertinib) US prescribing information, section 1.1",
                "identifier": "PMID:29151359",
                "level": "FDA approval (AMP Tier I A)",
                "knowledge_version": "test-kb 2026-11-26",
            }
        ],
        "alternatives": [{"statement": "erlotinib", "why_not_first": "inferior PFS in FLAURA"}],
        "limitations": "Does not consider co-mutations.",
        "intended_use": "For oncologists reviewing the tumour board report.",
        "generated_by": "rule test-1",
        "ai_generated": False,
    }
    values.update(changes)
    return values


@pytest.mark.parametrize("missing", ["basis", "evidence"])
def test_cannot_be_built_without_basis_or_evidence(missing: str) -> None:
    with pytest.raises(ValidationError, match=missing):
        Recommendation.model_validate(contract(**{missing: []}))
    with pytest.raises(ValidationError, match=missing):
        Recommendation.model_construct(**contract(**{missing: []}))


def test_alternatives_must_be_given_or_explicitly_none_known() -> None:
    values = contract()
    del values["alternatives"]
    with pytest.raises(ValidationError, match="alternatives"):
        Recommendation.model_validate(values)
    assert (
        Recommendation.model_validate(contract(alternatives="none known")).alternatives
        == "none known"
    )
    with pytest.raises(ValidationError):
        Recommendation.model_validate(contract(alternatives="whatever"))


def test_recommendation_is_frozen() -> None:
    recommendation = Recommendation.model_validate(contract())
    with pytest.raises(ValidationError):
        recommendation.statement = "something else"  # type: ignore[misc]


def _setup(engine: Engine, tmp_path: Path) -> str:
    path = tmp_path / "a.maf"
    path.write_text(
        "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\t"
        "Tumor_Sample_Barcode\nEGFR\tGRCh38\t7\t55191822\tT\tG\tPT-A\n",
        encoding="utf-8",
    )
    import_file(engine, path)
    recommendation = Recommendation.model_validate(contract())
    admin = gate.Actor(username="site-admin", display_name="Admin", roles=frozenset({Role.ADMIN}))
    with unit_of_work(engine) as session:
        access = gate.authorize(
            session,
            actor=admin,
            action=Action.EDIT_RECORD,
            purpose=Purpose.TREATMENT,
            obj="recommendation",
            patient_id="PT-A",
        )
        return decisions.propose(session, access=access, recommendation=recommendation)


def _decide(
    engine: Engine, who: gate.Actor, rec_id: str, decision: DecisionIn
) -> decisions.Decision:
    with unit_of_work(engine) as session:
        access = gate.authorize(
            session,
            actor=who,
            action=Action.DECIDE,
            purpose=Purpose.TREATMENT,
            obj=f"recommendation {rec_id}",
            patient_id=decisions.patient_of(session, rec_id),
        )
        return decisions.record_decision(
            session, access=access, recommendation_id=rec_id, decision_in=decision
        )


def test_reason_required_to_modify_or_reject() -> None:
    with pytest.raises(ValidationError, match="reason is required to reject"):
        DecisionIn(outcome="reject")
    with pytest.raises(ValidationError, match="modified recommendation text"):
        DecisionIn(outcome="modify", reason="dose")
    assert DecisionIn(outcome="accept").reason is None


def test_decision_is_named_immutable_and_shown(engine: Engine, tmp_path: Path) -> None:
    rec_id = _setup(engine, tmp_path)
    clinician = gate.Actor(
        username="dr-lee", display_name="Dr Lee", roles=frozenset({Role.CLINICIAN})
    )
    with pytest.raises(PermissionDenied):
        _decide(
            engine,
            gate.Actor(username="n", display_name="N", roles=frozenset({Role.NURSE})),
            rec_id,
            DecisionIn(outcome="accept"),
        )
    made = _decide(
        engine, clinician, rec_id, DecisionIn(outcome="reject", reason="patient prefers trial")
    )
    assert (made.decided_by, made.decided_by_name, made.outcome) == ("dr-lee", "Dr Lee", "reject")
    with pytest.raises(Conflict, match=r"already decided .*immutable"):
        _decide(engine, clinician, rec_id, DecisionIn(outcome="accept"))
    with unit_of_work(engine) as session:
        access = gate.authorize(
            session,
            actor=clinician,
            action=Action.VIEW_RECORD,
            purpose=Purpose.TREATMENT,
            obj="recommendations",
            patient_id="PT-A",
        )
        shown = decisions.list_for_patient(session, access=access)
    assert shown[0].recommendation.status == "rejected" and shown[0].decision is not None
    assert shown[0].decision.reason == "patient prefers trial"
    if engine.dialect.name == "postgresql":
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(text("UPDATE decisions SET outcome = 'accept'"))
