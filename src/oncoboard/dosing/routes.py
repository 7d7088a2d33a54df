# SPDX-License-Identifier: Apache-2.0
"""HTTP routes: propose a dose change from a graded AE, the rule tables, a patient's dose history."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from oncoboard.dosing import engine, genotype, service
from oncoboard.dosing.genotype import StartingDose
from oncoboard.dosing.schemas import (
    DoseHistory,
    DoseProposalIn,
    DoseProposalOut,
    DrugRules,
    DrugSummary,
)
from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import problem_responses
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose

router = APIRouter(tags=["dosing"])


@router.post(
    "/patients/{patient_id}/dose-proposals",
    response_model=DoseProposalOut,
    status_code=201,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def propose_dose(
    patient_id: str, proposal_in: DoseProposalIn, actor: ActorDep, session: SessionDep
) -> DoseProposalOut:
    """Propose a label-based dose change for a graded adverse event (a clinician decides)."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.EDIT_RECORD,
        purpose=Purpose.TREATMENT,
        obj=f"dose proposal {proposal_in.drug}",
        patient_id=patient_id,
    )
    return service.propose_dose_change(session, access=access, proposal_in=proposal_in)


@router.get(
    "/patients/{patient_id}/dose-history",
    response_model=DoseHistory,
    responses=problem_responses(401, 403, 404, 422),
)
def dose_history(patient_id: str, actor: ActorDep, session: SessionDep) -> DoseHistory:
    """List a patient's dose proposals with their status and the approved dose changes."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj="dose history",
        patient_id=patient_id,
    )
    return service.dose_history(session, access=access)


@router.get(
    "/patients/{patient_id}/starting-doses",
    response_model=list[StartingDose],
    responses=problem_responses(401, 403, 404, 422),
)
def starting_doses(patient_id: str, actor: ActorDep, session: SessionDep) -> list[StartingDose]:
    """List genotype-guided starting doses (DPYD, TPMT/NUDT15, UGT1A1), drugs on record first."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj="genotype-guided starting doses",
        patient_id=patient_id,
    )
    return genotype.starting_doses(session, access=access)


@router.get(
    "/dosing/rules", response_model=list[DrugSummary], responses=problem_responses(401, 403)
)
def list_rule_tables(actor: ActorDep, session: SessionDep) -> list[DrugSummary]:
    """List the drugs with a dose-modification table and their versions."""
    access = _view_rules(session, actor, "dose rule tables")
    tables = [service.rules(access=access, drug=drug) for drug in engine.DRUGS]
    return [
        DrugSummary(
            drug=t.drug,
            brands=list(t.brands),
            version=t.version,
            label=t.label,
            indications=[i.id for i in t.indications],
        )
        for t in tables
    ]


@router.get(
    "/dosing/rules/{drug}", response_model=DrugRules, responses=problem_responses(401, 403, 422)
)
def get_rule_table(drug: str, actor: ActorDep, session: SessionDep) -> DrugRules:
    """Get one drug's rule table: dose levels, rows with label citations, unconfirmed items."""
    access = _view_rules(session, actor, f"dose rule table {drug}")
    return service.rules(access=access, drug=drug)


def _view_rules(session: Session, actor: Actor, obj: str) -> Access:
    return gate.authorize(
        session, actor=actor, action=Action.VIEW_RECORD, purpose=Purpose.TREATMENT, obj=obj
    )
