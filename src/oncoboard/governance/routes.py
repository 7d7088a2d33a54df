# SPDX-License-Identifier: Apache-2.0
"""HTTP routes: login and tokens, consent, access log, recommendations and decisions, audit."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import problem_responses
from oncoboard.governance import audit, decisions, gate, login, service, users
from oncoboard.governance.consent import ConsentEvent, ConsentIn
from oncoboard.governance.decisions import Decision, DecisionIn, ReviewedRecommendation
from oncoboard.governance.http import ActorDep, client_address, request_id
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.store.db import unit_of_work

router = APIRouter(tags=["governance"])
PUBLIC_PATHS = frozenset({"/api/v1/auth/token"})


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    token_name: str = Field(default="api", min_length=1, max_length=128)
    days: int = Field(default=30, ge=1, le=365)


class IssuedToken(BaseModel):
    token: str = Field(description="the secret; shown once, stored only as a hash")
    detail: users.TokenOut


class Me(BaseModel):
    username: str
    display_name: str
    roles: list[Role]
    patient_id: str | None


class ChainStatus(BaseModel):
    ok: bool
    checked: int
    first_bad_entry: int | None
    problem: str | None


@router.post(
    "/auth/token",
    response_model=IssuedToken,
    status_code=201,
    responses=problem_responses(401, 422, 429),
)
def issue_token(credentials: Credentials, request: Request) -> IssuedToken:
    """Exchange a username and password for a bearer token (failures back off)."""
    engine = request.app.state.engine
    actor = login.login(
        engine,
        username=credentials.username,
        password=credentials.password,
        client=client_address(request),
        request_id=request_id(request),
    )
    with unit_of_work(engine) as session:
        secret, token = users.create_token(
            session,
            username=actor.username,
            name=credentials.token_name,
            valid_for=timedelta(days=credentials.days),
        )
    return IssuedToken(token=secret, detail=token)


@router.get("/auth/tokens", response_model=list[users.TokenOut], responses=problem_responses(401))
def my_tokens(actor: ActorDep, session: SessionDep) -> list[users.TokenOut]:
    """List the caller's own tokens (prefixes only)."""
    return users.list_tokens(session, username=actor.username)


@router.delete(
    "/auth/tokens/{token_id}",
    response_model=users.TokenOut,
    responses=problem_responses(401, 404, 422),
)
def revoke_my_token(token_id: int, actor: ActorDep, session: SessionDep) -> users.TokenOut:
    """Revoke one of the caller's own tokens."""
    return users.revoke_token(session, username=actor.username, token_id=token_id)


@router.get("/me", response_model=Me, responses=problem_responses(401))
def who_am_i(actor: ActorDep) -> Me:
    """Return the authenticated user and roles."""
    return Me(
        username=actor.username,
        display_name=actor.display_name,
        roles=sorted(actor.roles),
        patient_id=actor.patient_external_id,
    )


@router.get(
    "/patients/{patient_id}/consent",
    response_model=service.ConsentOverview,
    responses=problem_responses(401, 403, 404, 422),
)
def get_consent(patient_id: str, actor: ActorDep, session: SessionDep) -> service.ConsentOverview:
    """Get the consent in force per purpose and its full history."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.MANAGE_CONSENT,
        purpose=Purpose.TREATMENT,
        obj="consent",
        patient_id=patient_id,
    )
    return service.consent_overview(session, access=access)


@router.post(
    "/patients/{patient_id}/consent",
    response_model=ConsentEvent,
    status_code=201,
    responses=problem_responses(401, 403, 404, 422),
)
def change_consent(
    patient_id: str, consent_in: ConsentIn, actor: ActorDep, session: SessionDep
) -> ConsentEvent:
    """Record a consent grant or withdrawal (effective immediately, never rewritten)."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.MANAGE_CONSENT,
        purpose=Purpose.TREATMENT,
        obj=f"consent {consent_in.purpose.value}",
        patient_id=patient_id,
    )
    return service.change_consent(session, access=access, consent_in=consent_in)


@router.get(
    "/patients/{patient_id}/access-log",
    response_model=list[service.AccessLogEntry],
    responses=problem_responses(401, 403, 404, 422),
)
def get_access_log(
    patient_id: str, actor: ActorDep, session: SessionDep
) -> list[service.AccessLogEntry]:
    """List who accessed this patient's record, newest first."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj="access log",
        patient_id=patient_id,
    )
    return service.access_log(session, access=access)


@router.get(
    "/patients/{patient_id}/recommendations",
    response_model=list[ReviewedRecommendation],
    responses=problem_responses(401, 403, 404, 422),
)
def list_recommendations(
    patient_id: str, actor: ActorDep, session: SessionDep
) -> list[ReviewedRecommendation]:
    """List a patient's recommendations with their basis, evidence and decisions."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj="recommendations",
        patient_id=patient_id,
    )
    return decisions.list_for_patient(session, access=access)


@router.post(
    "/recommendations/{recommendation_id}/decision",
    response_model=Decision,
    status_code=201,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def decide(
    recommendation_id: str, decision_in: DecisionIn, actor: ActorDep, session: SessionDep
) -> Decision:
    """Accept, modify or reject a recommendation (reason required to modify or reject)."""
    access = decisions.authorize_decision(session, actor, recommendation_id)
    return decisions.record_decision(
        session, access=access, recommendation_id=recommendation_id, decision_in=decision_in
    )


@router.get("/audit/verify", response_model=ChainStatus, responses=problem_responses(401, 403))
def verify_audit(request: Request, actor: ActorDep, session: SessionDep) -> ChainStatus:
    """Walk the audit hash chain and name the first broken entry, if any."""
    gate.authorize(
        session,
        actor=actor,
        action=Action.READ_AUDIT,
        purpose=Purpose.OPERATIONS,
        obj="audit chain: verify",
    )
    report = audit.with_anchor(session.connection(), audit.verify(session.connection()))
    return ChainStatus(
        ok=report.ok,
        checked=report.checked,
        first_bad_entry=report.first_bad_entry,
        problem=report.problem,
    )


class NdjsonResponse(StreamingResponse):
    media_type = "application/x-ndjson"


@router.get(
    "/audit/export",
    response_class=NdjsonResponse,
    responses={
        200: {
            "model": service.AuditLine,
            "description": "JSON Lines: one AuditLine object per line, in chain order.",
        },
        **problem_responses(401, 403, 422),
    },
)
def export_audit(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    patient: Annotated[str | None, Query(max_length=128)] = None,
    by: Annotated[str | None, Query(alias="actor", max_length=64)] = None,
    since: date | None = None,
    until: date | None = None,
) -> NdjsonResponse:
    """Export audit entries as JSON Lines, filtered by patient, actor and dates."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.READ_AUDIT,
        purpose=Purpose.OPERATIONS,
        obj="audit trail: export",
    )
    # spool inside this unit of work (flat memory), then stream once the transaction is over
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    for line in service.export_audit(
        session, access=access, patient=patient, actor=by, since=since, until=until
    ):
        spool.write((line + "\n").encode())
    spool.seek(0)

    def lines() -> Iterator[bytes]:
        with spool:
            yield from iter(lambda: spool.read(1 << 16), b"")

    return NdjsonResponse(lines())
