# SPDX-License-Identifier: Apache-2.0
"""Knowledge-base pages: the releases with their hashes and notices, one release's assertions
and dropped rows, and the diff of two releases with the patients whose results would change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.templates import templates
from oncoboard.governance.http import ActorDep
from oncoboard.knowledge import service

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
ReleaseId = Annotated[str, Query(min_length=1, max_length=128)]


@router.get("/kb", response_class=HTMLResponse)
def releases_page(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    access = service.authorize_read(session, actor, "list releases")
    releases = service.list_releases(session=session, access=access)
    return templates.TemplateResponse(request, "kb_releases.html", {"releases": releases})


@router.get("/kb/diff", response_class=HTMLResponse)
def diff_page(
    request: Request, a: ReleaseId, b: ReleaseId, actor: ActorDep, session: SessionDep
) -> HTMLResponse:
    access = service.authorize_read(session, actor, f"diff {a} {b}")
    result = service.diff(session=session, access=access, a=a, b=b)
    return templates.TemplateResponse(request, "kb_diff.html", {"diff": result})


@router.get("/kb/releases/{release_id}", response_class=HTMLResponse)
def release_page(
    request: Request,
    release_id: str,
    actor: ActorDep,
    session: SessionDep,
    gene: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    access = service.authorize_read(session, actor, f"show {release_id}")
    detail = service.get_release(session=session, access=access, release_id=release_id)
    assertions, total = service.list_assertions(
        session=session,
        access=access,
        release_id=release_id,
        gene=gene or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    context = {
        "detail": detail,
        "assertions": assertions,
        "total": total,
        "gene": gene or "",
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "first": (page - 1) * PAGE_SIZE + 1,
    }
    return templates.TemplateResponse(request, "kb_release.html", context)
