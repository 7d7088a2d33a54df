# SPDX-License-Identifier: Apache-2.0
"""HTTP routes of the trial registry, patient trial matching and feasibility."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import problem_responses
from oncoboard.errors import PayloadTooLarge
from oncoboard.governance import gate
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.trials import service
from oncoboard.trials.schemas import (
    Feasibility,
    PatientTrialMatches,
    TrialDetail,
    TrialImportReport,
    TrialList,
    TrialMatch,
)

router = APIRouter(tags=["trials"])
MAX_REGISTRY_BYTES = 20 * 1024 * 1024


@router.post(
    "/trials", response_model=TrialImportReport, responses=problem_responses(401, 403, 413, 422)
)
def import_trials(file: UploadFile, actor: ActorDep, session: SessionDep) -> TrialImportReport:
    """Import ClinicalTrials.gov API v2 study JSON (one study or a search page), all or nothing."""
    name = file.filename or "upload.json"
    access = service.authorize_import(session, actor, name)
    data = file.file.read(MAX_REGISTRY_BYTES + 1)
    if len(data) > MAX_REGISTRY_BYTES:
        raise PayloadTooLarge(f"{name}: larger than {MAX_REGISTRY_BYTES:,} bytes")
    return service.import_trials(session=session, access=access, data=data, source_name=name)


@router.get("/trials", response_model=TrialList, responses=problem_responses(401, 403, 422))
def list_trials(
    actor: ActorDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> TrialList:
    """List the trials in the registry with their versions and how many criteria are structured."""
    access = service.authorize_read(session, actor, "list trials")
    return service.list_trials(session=session, access=access, limit=limit, offset=offset)


@router.get(
    "/trials/{nct_id}", response_model=TrialDetail, responses=problem_responses(401, 403, 404, 422)
)
def show_trial(nct_id: str, actor: ActorDep, session: SessionDep) -> TrialDetail:
    """Get one trial with its structured criteria, their source offsets and version history."""
    access = service.authorize_read(session, actor, f"show {nct_id}")
    return service.get_trial(session=session, access=access, nct_id=nct_id)


@router.get(
    "/trials/{nct_id}/feasibility",
    response_model=Feasibility,
    responses=problem_responses(401, 403, 404, 422),
)
def trial_feasibility(nct_id: str, actor: ActorDep, session: SessionDep) -> Feasibility:
    """List patients with research consent who may be eligible for a trial, with open criteria."""
    access = gate.authorize(
        session, actor=actor, action=Action.VIEW_RECORD, purpose=Purpose.RESEARCH,
        obj=f"trial feasibility {nct_id}"[:256],
    )  # fmt: skip
    return service.feasibility(session=session, access=access, actor=actor, nct_id=nct_id)


@router.get(
    "/patients/{patient_id}/trials",
    response_model=PatientTrialMatches,
    responses=problem_responses(401, 403, 404, 422),
)
def patient_trials(patient_id: str, actor: ActorDep, session: SessionDep) -> PatientTrialMatches:
    """Rank the registry's trials for one patient, every criterion with its state and reason."""
    access = _view(session, actor, patient_id)
    return service.match_patient(session=session, access=access)


@router.post(
    "/patients/{patient_id}/trials/match",
    response_model=PatientTrialMatches,
    responses=problem_responses(401, 403, 404, 422),
)
def match_and_propose(patient_id: str, actor: ActorDep, session: SessionDep) -> PatientTrialMatches:
    """Match the patient and propose the trials not excluded as recommendations to screen."""
    access = _view(session, actor, patient_id)
    edit = gate.authorize(
        session, actor=actor, action=Action.EDIT_RECORD, purpose=Purpose.TREATMENT,
        obj="trial recommendations", patient_id=patient_id,
    )  # fmt: skip
    return service.match_patient(session=session, access=access, propose_with=edit)


class CriterionDecisionIn(BaseModel):
    """A clinician's decision on one criterion: ``met``, ``not_met``, or ``reader`` (withdraw)."""

    model_config = ConfigDict(extra="forbid")
    state: Literal["met", "not_met", "reader"]
    reason: Annotated[str, Field(min_length=1, max_length=4000)]


@router.post(
    "/patients/{patient_id}/trials/{nct_id}/criteria/{criterion_id}/decision",
    response_model=TrialMatch,
    responses=problem_responses(401, 403, 404, 422),
)
def decide_criterion(
    patient_id: str,
    nct_id: str,
    criterion_id: str,
    body: CriterionDecisionIn,
    actor: ActorDep,
    session: SessionDep,
) -> TrialMatch:
    """Record a clinician's decision on one criterion of a trial for the patient, with reason."""
    access = _view(session, actor, patient_id)
    decide = gate.authorize(
        session, actor=actor, action=Action.DECIDE, purpose=Purpose.TREATMENT,
        obj=f"trial criterion {nct_id} {criterion_id}"[:256], patient_id=patient_id,
    )  # fmt: skip
    return service.override_criterion(
        session=session, access=access, decide=decide, nct_id=nct_id,
        criterion_id=criterion_id, state=body.state, reason=body.reason,
    )  # fmt: skip


def _view(session: SessionDep, actor: ActorDep, patient_id: str) -> gate.Access:
    return gate.authorize(
        session, actor=actor, action=Action.VIEW_RECORD, purpose=Purpose.TREATMENT,
        obj="trial matching", patient_id=patient_id,
    )  # fmt: skip
