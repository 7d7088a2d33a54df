# SPDX-License-Identifier: Apache-2.0
"""The cohort-screening page: which consented patients carry an actionable alteration for a drug
or biomarker (research purpose; the gate and audit run in the screening service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from oncoboard.actionability.cohort import screening
from oncoboard.actionability.cohort.schemas import ScreenQuery
from oncoboard.edge.deps import SessionDep
from oncoboard.edge.templates import templates
from oncoboard.governance.http import ActorDep

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=128)]


@router.get("/screen", response_class=HTMLResponse)
def screen_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    drug: Text = None,
    gene: Annotated[str | None, Query(max_length=64)] = None,
    alteration: Text = None,
    tumor_type: Annotated[str | None, Query(max_length=32)] = None,
    gene_level: bool = False,
    run: bool = False,
) -> HTMLResponse:
    """The form, and the result once submitted (``run``): nothing is screened on first view, but
    the form is shown only to those who may screen (the research purpose), and that is audited."""
    query = ScreenQuery(
        drug=drug or None,
        gene=gene or None,
        alteration=alteration or None,
        tumor_type=tumor_type or None,
        gene_level=gene_level,
    )
    access = screening.authorize(session, actor, query)
    result = screening.screen(session=session, access=access, query=query) if run else None
    return templates.TemplateResponse(request, "screen.html", {"query": query, "result": result})
