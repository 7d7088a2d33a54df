# SPDX-License-Identifier: Apache-2.0
"""The site node's Beacon v2 API under ``/api/beacon`` (thin: the gate, counting, disclosure
control and audit run in the federation service).

A caller is a local user (bearer token or web session) or a registered coordinator whose
request carries an RFC 9421 signature; answers to coordinators are signed by the site.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from oncoboard.edge.deps import SessionDep, SettingsDep
from oncoboard.edge.problems import problem_responses
from oncoboard.errors import InputError, NotAuthenticated
from oncoboard.federation import auth, beacon, service
from oncoboard.federation.schemas import BudgetState, Catalogue, EntryType
from oncoboard.governance.audit import AuditEvent
from oncoboard.governance.gate import Actor
from oncoboard.governance.http import current_actor, request_id
from oncoboard.settings import Settings
from oncoboard.store.db import begin_unit, end_unit, read_only

router = APIRouter(prefix="/api/beacon", tags=["beacon"])
_ERRORS = problem_responses(401, 403)
_INPUT_ERRORS = problem_responses(401, 403, 422)


class BeaconDocument(BaseModel):
    """A GA4GH Beacon v2 response document (validated against the Beacon schemas in tests)."""

    model_config = ConfigDict(extra="allow")
    meta: dict[str, Any]
    response: dict[str, Any] | None = None
    responseSummary: dict[str, Any] | None = None
    info: dict[str, Any] | None = None


def _refusal(request: Request, error: NotAuthenticated) -> NotAuthenticated:
    """The refusal of a peer's signature, with the audit entry that records it."""
    return NotAuthenticated(
        str(error),
        audit_event=AuditEvent(
            actor="federation-peer",
            roles="",
            action="authenticate",
            purpose="federated_analysis",
            object=request.url.path[:256],
            outcome="denied",
            reason=str(error)[:500],
            request_id=request_id(request),
        ),
    )


async def beacon_caller(request: Request, session: SessionDep) -> Actor:
    """A coordinator's signed request, or a local user (token or session)."""
    if "signature-input" not in request.headers:
        return await current_actor(request, session)
    body = await request.body()
    message = auth.Message(
        method=request.method, url=str(request.url), headers=dict(request.headers)
    )
    try:
        actor = await run_in_threadpool(
            auth.verify_request, session, message, body, request_id(request)
        )
    except NotAuthenticated as error:
        raise _refusal(request, error) from error
    request.state.actor = actor
    request.state.federation_message = message
    return actor


CallerDep = Annotated[Actor, Depends(beacon_caller)]


def is_peer_request(request: Request) -> bool:
    """A coordinator's signed Beacon request (authenticated by its signature, not a login)."""
    return request.url.path.startswith(router.prefix) and "signature-input" in request.headers


async def preauthenticate_peer(request: Request) -> NotAuthenticated | None:
    """The request body guard's check for a signed Beacon request: the signature over the
    headers, before one byte of the body is read; a refusal is audited."""
    engine = request.app.state.engine
    message = auth.Message(
        method=request.method, url=str(request.url), headers=dict(request.headers)
    )

    def check() -> None:
        with read_only(engine) as connection, Session(bind=connection) as session:
            try:
                auth.check_signed_headers(session, message)
            except NotAuthenticated as error:
                refused = _refusal(request, error)
            else:
                return
        end_unit(begin_unit(engine), refused)
        raise refused

    try:
        await run_in_threadpool(check)
    except NotAuthenticated as error:
        return error
    return None


def _respond(
    request: Request,
    session: Session,
    settings: Settings,
    document: dict[str, Any],
    status: int = 200,
) -> Response:
    body = json.dumps(document, separators=(",", ":"), default=str).encode()
    headers = {"content-type": "application/json"}
    message = getattr(request.state, "federation_message", None)
    if message is not None:
        key = auth.site_key(session, settings.signing_secret())
        auth.sign_response(key, message, status, headers, body)
    return Response(content=body, status_code=status, headers=headers)


@router.get("/", response_model=BeaconDocument, responses=_ERRORS)
@router.get("/info", response_model=BeaconDocument, responses=_ERRORS)
def info(
    request: Request, actor: CallerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Describe this Beacon: its id, organisation, API version and disclosure policy."""
    service.authorize(session, actor, "beacon info")
    return _respond(
        request, session, settings, beacon.info_response(service.policy(session), settings.env)
    )


@router.get("/configuration", response_model=BeaconDocument, responses=_ERRORS)
def configuration(
    request: Request, actor: CallerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """List the entry types, granularities and security level this Beacon offers."""
    service.authorize(session, actor, "beacon configuration")
    document = beacon.configuration_response(service.policy(session), settings.env)
    return _respond(request, session, settings, document)


@router.get("/map", response_model=BeaconDocument, responses=_ERRORS)
def beacon_map(
    request: Request, actor: CallerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """List the endpoints of each entry type."""
    service.authorize(session, actor, "beacon map")
    root = str(request.url_for("info")).rstrip("/")
    return _respond(request, session, settings, beacon.map_response(service.policy(session), root))


@router.get("/entry_types", response_model=BeaconDocument, responses=_ERRORS)
def entry_types(
    request: Request, actor: CallerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Describe the entry types (individuals, genomic variants)."""
    service.authorize(session, actor, "beacon entry types")
    return _respond(
        request, session, settings, beacon.entry_types_response(service.policy(session))
    )


@router.get("/filtering_terms", response_model=BeaconDocument, responses=_ERRORS)
def filtering_terms(
    request: Request, actor: CallerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """List every filtering term this Beacon understands (a fixed vocabulary, not the data)."""
    service.authorize(session, actor, "beacon filtering terms")
    return _respond(
        request, session, settings, beacon.filtering_terms_response(service.policy(session))
    )


def _count(
    request: Request,
    actor: Actor,
    session: Session,
    settings: Settings,
    entry_type: EntryType,
    read: Any,
) -> Response:
    site = service.policy(session)
    try:
        asked: beacon.BeaconRequest = read()
    except InputError as error:
        return _respond(
            request, session, settings, beacon.error_response(site, entry_type, error), status=400
        )
    access = service.authorize(session, actor, f"beacon {entry_type}: {asked.query.describe()}")
    answer = service.answer(
        session=session,
        access=access,
        entry_type=entry_type,
        query=asked.query,
        granularity=asked.granularity,
    )
    return _respond(
        request, session, settings, beacon.count_response(entry_type, asked, answer, site)
    )


@router.get("/individuals", response_model=BeaconDocument, responses=_INPUT_ERRORS)
def individuals(
    request: Request, actor: CallerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Count consented individuals matching the filters (query string: filters, requestedGranularity, variant parameters)."""
    params = dict(request.query_params)
    return _count(
        request,
        actor,
        session,
        settings,
        "individuals",
        lambda: beacon.read_get("individuals", params),
    )


@router.post("/individuals", response_model=BeaconDocument, responses=_INPUT_ERRORS)
def individuals_post(
    request: Request,
    actor: CallerDep,
    session: SessionDep,
    settings: SettingsDep,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> Response:
    """Count consented individuals matching a Beacon request body."""
    return _count(
        request,
        actor,
        session,
        settings,
        "individuals",
        lambda: beacon.read_post("individuals", body),
    )


@router.get("/g_variants", response_model=BeaconDocument, responses=_INPUT_ERRORS)
def g_variants(
    request: Request, actor: CallerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Count distinct variants carried by consented individuals (sequence or gene query)."""
    params = dict(request.query_params)
    return _count(
        request,
        actor,
        session,
        settings,
        "g_variants",
        lambda: beacon.read_get("g_variants", params),
    )


@router.post("/g_variants", response_model=BeaconDocument, responses=_INPUT_ERRORS)
def g_variants_post(
    request: Request,
    actor: CallerDep,
    session: SessionDep,
    settings: SettingsDep,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> Response:
    """Count distinct variants matching a Beacon request body."""
    return _count(
        request,
        actor,
        session,
        settings,
        "g_variants",
        lambda: beacon.read_post("g_variants", body),
    )


@router.get("/catalogue", response_model=Catalogue, responses=_ERRORS)
def catalogue(
    request: Request, actor: CallerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Describe what this site holds, coarsely (OncoBoard extension: banded counts, data types, last update)."""
    access = service.authorize(session, actor, "beacon catalogue")
    found = service.catalogue(session=session, access=access)
    return _respond(request, session, settings, found.model_dump(mode="json"))


@router.get("/budget", response_model=BudgetState, responses=_ERRORS)
def budget(
    request: Request, actor: CallerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Show the caller's differential-privacy budget at this site (OncoBoard extension)."""
    access = service.authorize(session, actor, "beacon privacy budget")
    state = service.budget_of(session=session, access=access)
    return _respond(request, session, settings, state.model_dump(mode="json"))
