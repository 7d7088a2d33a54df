# SPDX-License-Identifier: Apache-2.0
"""HTTP routes for knowledge-base releases: list, show, diff (reads only; import is CLI/admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import problem_responses
from oncoboard.governance.http import ActorDep
from oncoboard.knowledge import service
from oncoboard.knowledge.schemas import KbDiff, KbReleaseDetail, KbReleaseInfo

router = APIRouter(prefix="/kb", tags=["knowledge"])
ReleaseQuery = Annotated[str, Query(min_length=1, max_length=128, description="release id")]


@router.get("/releases", response_model=list[KbReleaseInfo], responses=problem_responses(401, 403))
def list_releases(actor: ActorDep, session: SessionDep) -> list[KbReleaseInfo]:
    """List stored knowledge-base releases with hashes, licences, notices and counts."""
    access = service.authorize_read(session, actor, "list releases")
    return service.list_releases(session=session, access=access)


@router.get(
    "/releases/{release_id}",
    response_model=KbReleaseDetail,
    responses=problem_responses(401, 403, 404, 422),
)
def get_release(release_id: str, actor: ActorDep, session: SessionDep) -> KbReleaseDetail:
    """Get one release with its provenance and every dropped row with the reason."""
    access = service.authorize_read(session, actor, f"show {release_id}")
    return service.get_release(session=session, access=access, release_id=release_id)


@router.get("/diff", response_model=KbDiff, responses=problem_responses(401, 403, 404, 422))
def diff_releases(a: ReleaseQuery, b: ReleaseQuery, actor: ActorDep, session: SessionDep) -> KbDiff:
    """Compare two releases: assertions added, removed and changed, and the patients affected."""
    access = service.authorize_read(session, actor, f"diff {a} {b}")
    return service.diff(session=session, access=access, a=a, b=b)
