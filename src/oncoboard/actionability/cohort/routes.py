# SPDX-License-Identifier: Apache-2.0
"""HTTP route for cohort screening (research use; gate and audit in the service call)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from oncoboard.actionability.cohort import screening
from oncoboard.actionability.cohort.schemas import ScreenQuery, ScreenResult
from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import problem_responses
from oncoboard.governance.http import ActorDep

router = APIRouter(tags=["actionability"])


@router.get("/screen", response_model=ScreenResult, responses=problem_responses(401, 403, 404, 422))
def screen(
    actor: ActorDep,
    session: SessionDep,
    drug: Annotated[str | None, Query(max_length=128, description="therapy or combination part")] = None,
    gene: Annotated[str | None, Query(max_length=64, description="HGNC symbol")] = None,
    alteration: Annotated[str | None, Query(max_length=128, description="with gene: V600E, amplification")] = None,
    tumor_type: Annotated[str | None, Query(max_length=32, description="OncoTree code")] = None,
    kb: Annotated[list[str] | None, Query(description="KB release ids")] = None,
    gene_level: Annotated[bool, Query(description="evaluate gene-level rules")] = False,
) -> ScreenResult:  # fmt: skip
    """Screen patients with research consent for matching alterations for a drug or biomarker."""
    query = ScreenQuery(
        drug=drug,
        gene=gene,
        alteration=alteration,
        tumor_type=tumor_type,
        releases=tuple(kb or ()),
        gene_level=gene_level,
    )
    access = screening.authorize(session, actor, query)
    return screening.screen(session=session, access=access, query=query)
