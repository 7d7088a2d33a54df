# SPDX-License-Identifier: Apache-2.0
"""HTTP routes: a patient's pharmacogenomic profile and the shipped tables' versions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import problem_responses
from oncoboard.governance import gate
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.pharmacogenomics import service
from oncoboard.pharmacogenomics.schemas import PgxProfile
from oncoboard.pharmacogenomics.tables import cpic, guidance

router = APIRouter(tags=["pharmacogenomics"])


class PgxTables(BaseModel):
    """The shipped CPIC tables and guidance: versions, provenance, licence, coverage."""

    table_version: str
    source: dict[str, Any]
    genes: dict[str, dict[str, Any]]
    guidance_version: str
    drugs: dict[str, list[str]]
    sources: dict[str, str]


@router.get(
    "/patients/{patient_id}/pgx",
    response_model=PgxProfile,
    responses=problem_responses(401, 403, 404, 422),
)
def pgx_profile(patient_id: str, actor: ActorDep, session: SessionDep) -> PgxProfile:
    """Show a patient's pharmacogene phenotypes and the starting-dose guidance per drug."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj="pharmacogenomic profile",
        patient_id=patient_id,
    )
    return service.profile(session=session, access=access)


@router.get("/pgx/tables", response_model=PgxTables, responses=problem_responses(401, 403))
def pgx_tables(actor: ActorDep, session: SessionDep) -> PgxTables:
    """Name the CPIC table and guidance versions in use, with their sources and licence."""
    gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj="pharmacogenomic tables",
    )
    tables, rules = cpic(), guidance()
    return PgxTables(
        table_version=tables.table_version,
        source=tables.source.model_dump(),
        genes={
            g: {"guideline": t.guideline, "alleles": len(t.alleles)}
            for g, t in tables.genes.items()
        },
        guidance_version=rules.version,
        drugs={g: sorted(group.members) for g, group in rules.drugs.items()},
        sources=rules.sources,
    )
