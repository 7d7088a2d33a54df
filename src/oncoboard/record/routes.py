# SPDX-License-Identifier: Apache-2.0
"""HTTP routes of the patient record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import problem_responses
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.record import service
from oncoboard.record.schemas import (
    FactDetail,
    PatientRecord,
    PatientSummary,
    VariantPage,
    VariantSort,
)

router = APIRouter(tags=["patients"])
GeneQuery = Annotated[
    str | None, Query(max_length=64, description="Only variants of this gene (HGNC symbol)")
]
SortQuery = Annotated[
    VariantSort, Query(description="file order, or gene/vaf/depth; '-' sorts descending")
]


class PatientPage(BaseModel):
    """One page of the patient list with the total number of matches."""

    items: list[PatientSummary]
    total: int
    limit: int
    offset: int


@router.get("/patients", response_model=PatientPage, responses=problem_responses(401, 403, 422))
def list_patients(
    actor: ActorDep,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PatientPage:
    """List patients, optionally filtered by id or name."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj="patient list",
    )
    items, total = service.list_patients(
        session=session, access=access, search=q, limit=limit, offset=offset
    )
    return PatientPage(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/patients/{patient_id}",
    response_model=PatientRecord,
    responses=problem_responses(401, 403, 404, 422),
)
def get_patient(
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    variant_limit: Annotated[int, Query(ge=1, le=10000)] = 500,
    variant_offset: Annotated[int, Query(ge=0)] = 0,
    gene: GeneQuery = None,
    sort: SortQuery = "file",
) -> PatientRecord:
    """Get one patient's record with the provenance of every fact."""
    return service.get_patient_record(
        session=session,
        access=_view(session, actor, patient_id, "patient record"),
        variant_limit=variant_limit,
        variant_offset=variant_offset,
        gene=gene,
        sort=sort,
    )


@router.get(
    "/patients/{patient_id}/variants",
    response_model=VariantPage,
    responses=problem_responses(401, 403, 404, 422),
)
def list_variants(
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    gene: GeneQuery = None,
    sort: SortQuery = "file",
    limit: Annotated[int, Query(ge=1, le=10000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> VariantPage:
    """List one patient's somatic variants, paged, filtered by gene and sorted on the server."""
    return service.list_variants(
        session=session,
        access=_view(session, actor, patient_id, "variants"),
        gene=gene,
        sort=sort,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/patients/{patient_id}/facts/{fact_id}",
    response_model=FactDetail,
    responses=problem_responses(401, 403, 404, 422),
)
def get_fact(patient_id: str, fact_id: int, actor: ActorDep, session: SessionDep) -> FactDetail:
    """Get one fact with its full provenance and the raw source record it came from."""
    access = _view(session, actor, patient_id, f"fact {fact_id}")
    return service.get_fact(session=session, access=access, fact_id=fact_id)


def _view(session: Session, actor: Actor, patient_id: str, obj: str) -> Access:
    return gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj=obj,
        patient_id=patient_id,
    )
