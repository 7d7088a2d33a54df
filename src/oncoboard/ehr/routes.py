# SPDX-License-Identifier: Apache-2.0
"""CDS Hooks HTTP endpoints (mounted at the root: EHRs expect ``{base}/cds-services``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import problem_responses
from oncoboard.ehr import cds
from oncoboard.ehr.cards import CdsResponse
from oncoboard.ehr.http import public_base, verified_client
from oncoboard.errors import InputError

router = APIRouter(tags=["cds-hooks"])


class CdsService(BaseModel):
    id: str
    hook: str
    title: str
    description: str
    prefetch: dict[str, str]


class CdsDiscovery(BaseModel):
    """CDS Hooks 2.0 discovery: the services, their hooks and prefetch templates."""

    services: list[CdsService]


class FeedbackRecorded(BaseModel):
    recorded: int


@router.get("/cds-services", response_model=CdsDiscovery)
def discovery() -> CdsDiscovery:
    """List OncoBoard's CDS services with their hooks and prefetch templates."""
    return CdsDiscovery.model_validate(cds.discovery())


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as error:
        raise InputError("CDS request: the body is not JSON") from error
    if not isinstance(body, dict):
        raise InputError("CDS request: the body must be a JSON object")
    return body


@router.post(
    "/cds-services/{service_id}",
    response_model=CdsResponse,
    response_model_exclude_none=True,
    responses=problem_responses(401, 404, 422),
)
async def call_service(service_id: str, request: Request, session: SessionDep) -> CdsResponse:
    """Answer a CDS Hooks call with cards (the EHR's JWT is verified first)."""
    client = await run_in_threadpool(verified_client, request)
    body = await _json(request)
    base = public_base(request)
    return await run_in_threadpool(
        lambda: cds.handle(session, service_id=service_id, body=body, client=client, base_url=base)
    )


@router.post(
    "/cds-services/{service_id}/feedback",
    response_model=FeedbackRecorded,
    responses=problem_responses(401, 404, 422),
)
async def feedback(service_id: str, request: Request, session: SessionDep) -> FeedbackRecorded:
    """Record what the prescriber did with the cards (accepted, or overridden and why)."""
    client = await run_in_threadpool(verified_client, request)
    body = await _json(request)
    count = await run_in_threadpool(
        lambda: cds.record_feedback(session, client=client, service_id=service_id, body=body)
    )
    return FeedbackRecorded(recorded=count)
