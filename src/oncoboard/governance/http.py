# SPDX-License-Identifier: Apache-2.0
"""Who is calling: bearer token or web session; CSRF for cookie-authenticated writes."""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from oncoboard.edge.deps import SessionDep
from oncoboard.errors import NotAuthenticated, PermissionDenied
from oncoboard.governance import sessions, users
from oncoboard.governance.audit import AuditEvent
from oncoboard.governance.gate import Actor
from oncoboard.store.db import begin_unit, end_unit, read_only, unit_of_work

T = TypeVar("T")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def request_id(request: Request) -> str:
    """One id per request, shared by every audit entry it causes (client may supply it)."""
    existing = getattr(request.state, "request_id", None)
    if existing is None:
        supplied = request.headers.get("x-request-id", "")
        existing = supplied[:64] if supplied.isprintable() and supplied else uuid.uuid4().hex
        request.state.request_id = existing
    return str(existing)


def client_address(request: Request) -> str:
    """The client's address as the server saw it (behind a proxy: what uvicorn's
    ``--forwarded-allow-ips`` lets the proxy say); the key for login back-off."""
    return request.client.host if request.client else "unknown"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (templates put it in every form)."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return str(token)


def session_actor(request: Request, session: Session) -> Actor:
    """Authenticate by ``Authorization: Bearer`` or by the signed session cookie.

    No CSRF check here: a route that accepts cookie-authenticated writes calls ``check_csrf``.
    """
    rid = request_id(request)
    known = getattr(request.state, "authenticated", None)
    if isinstance(known, Actor):  # checked before the body was read (api/bodies.py)
        return known
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        actor = users.actor_for_token(session, header[7:].strip(), request_id=rid)
        request.state.actor = actor
        return actor
    session_id = request.session.get(sessions.SESSION_KEY) if "session" in request.scope else None
    if not session_id:
        raise NotAuthenticated(
            "authentication required: log in, or send 'Authorization: Bearer <token>'",
            audit_event=AuditEvent(
                actor="anonymous",
                roles="",
                action="authenticate",
                purpose="operations",
                object=request.url.path[:256],
                outcome="denied",
                reason="no credentials",
                request_id=rid,
            ),
        )
    try:
        actor = sessions.actor_for_session(session, str(session_id), request_id=rid)
    except NotAuthenticated:
        request.session.clear()  # ended, expired, or the account was disabled: drop the cookie
        raise
    request.state.actor = actor
    return actor


def uses_cookie(request: Request) -> bool:
    return not request.headers.get("authorization", "").lower().startswith("bearer ")


def check_csrf(request: Request, supplied: str | None) -> None:
    """Refuse a cookie-authenticated write whose CSRF token is missing or wrong."""
    expected = str(request.session.get(CSRF_FIELD, "")) if "session" in request.scope else ""
    if not expected or not hmac.compare_digest(expected, supplied or ""):
        raise PermissionDenied("missing or wrong CSRF token; reload the page and try again")


async def current_actor(request: Request, session: SessionDep) -> Actor:
    """The caller, for routes; cookie-authenticated writes must carry the CSRF token."""
    # the token and user look-ups block: keep them off the event loop
    actor = await run_in_threadpool(session_actor, request, session)
    if request.method not in SAFE_METHODS and uses_cookie(request):
        supplied = request.headers.get(CSRF_HEADER, "")
        if not supplied and "form" in request.headers.get("content-type", ""):
            supplied = str((await request.form()).get(CSRF_FIELD, ""))
        check_csrf(request, supplied)
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]


async def preauthenticate(request: Request) -> NotAuthenticated | None:
    """Authenticate from the headers alone, before the body is read (``api/bodies.py``); the
    route then reuses the actor instead of looking it up again. A refusal is audited."""
    engine = request.app.state.engine

    def check() -> None:
        # a read: on SQLite it must not take the write lock the route's own unit will take
        with read_only(engine) as connection, Session(bind=connection) as session:
            try:
                request.state.authenticated = session_actor(request, session)
            except NotAuthenticated as error:
                refused = error
            else:
                return
        end_unit(begin_unit(engine), refused)  # the refusal is audited, as in a route
        raise refused

    try:
        await run_in_threadpool(check)
    except NotAuthenticated as error:
        return error
    return None


async def in_one_unit(request: Request, work: Callable[[Session, Actor], T]) -> T:
    """Authenticate, run ``work`` and commit in one worker-thread hop: what ``ActorDep`` and
    ``SessionDep`` do in three (each hop to the thread pool costs CPU on every request), for the
    hottest write routes. JSON routes only: a cookie-authenticated caller sends the CSRF token
    in its header. The unit finishes even if the client hangs up (the hop is not cancelled)."""
    return await run_in_threadpool(_unit, request, work)


def _unit(request: Request, work: Callable[[Session, Actor], T]) -> T:
    with unit_of_work(request.app.state.engine) as session:
        actor = session_actor(request, session)
        if request.method not in SAFE_METHODS and uses_cookie(request):
            check_csrf(request, request.headers.get(CSRF_HEADER, ""))
        return work(session, actor)
