# SPDX-License-Identifier: Apache-2.0
"""HTTP routes of the patient record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from oncoboard.api.deps import SessionDep
from oncoboard.record import service
from oncoboard.record.schemas import PatientRecord, PatientSummary

router = APIRouter(tags=["patients"])


class PatientPage(BaseModel):
    items: list[PatientSummary]
    total: int
    limit: int
    offset: int


@router.get("/patients", response_model=PatientPage)
def list_patients(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PatientPage:
    """List patients, optionally filtered by id or name."""
    items, total = service.list_patients(session=session, search=q, limit=limit, offset=offset)
    return PatientPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/patients/{patient_id}", response_model=PatientRecord)
def get_patient(
    patient_id: str,
    session: SessionDep,
    variant_limit: Annotated[int, Query(ge=1, le=10000)] = 500,
    variant_offset: Annotated[int, Query(ge=0)] = 0,
) -> PatientRecord:
    """Get one patient's record with the provenance of every fact."""
    return service.get_patient_record(
        session=session,
        patient_id=patient_id,
        variant_limit=variant_limit,
        variant_offset=variant_offset,
    )
