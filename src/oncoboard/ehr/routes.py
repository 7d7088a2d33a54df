# SPDX-License-Identifier: Apache-2.0
"""CDS Hooks HTTP endpoints (mounted at the root: EHRs expect ``{base}/cds-services``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from oncoboard.edge.deps import SessionDep
from oncoboard.ehr import cds
from oncoboard.ehr.cards import CdsResponse
from oncoboard.ehr.http import public_base, verified_client
from oncoboard.errors import InputError

router = APIRouter(tags=["cds-hooks"])


@router.get("/cds-services")
def discovery() -> dict[str, Any]:
    """List OncoBoard's CDS services with their hooks and prefetch templates."""
    return cds.discovery()


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as error:
        raise InputError("CDS request: the body is not JSON") from error
    if not isinstance(body, dict):
        raise InputError("CDS request: the body must be a JSON object")
    return body


@router.post("/cds-services/{service_id}", response_model_exclude_none=True)
async def call_service(service_id: str, request: Request, session: SessionDep) -> CdsResponse:
    """Answer a CDS Hooks call with cards (the EHR's JWT is verified first)."""
    client = await run_in_threadpool(verified_client, request)
    body = await _json(request)
    base = public_base(request)
    return await run_in_threadpool(
        lambda: cds.handle(session, service_id=service_id, body=body, client=client, base_url=base)
    )


@router.post("/cds-services/{service_id}/feedback")
async def feedback(service_id: str, request: Request, session: SessionDep) -> dict[str, int]:
    """Record what the prescriber did with the cards (accepted, or overridden and why)."""
    client = await run_in_threadpool(verified_client, request)
    body = await _json(request)
    count = await run_in_threadpool(
        lambda: cds.record_feedback(session, client=client, service_id=service_id, body=body)
    )
    return {"recorded": count}
