# SPDX-License-Identifier: Apache-2.0
"""Who is calling: bearer token or web session; CSRF for cookie-authenticated writes."""

from __future__ import annotations

import hmac
import secrets
import uuid
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from oncoboard.api.deps import get_session
from oncoboard.errors import NotAuthenticated, PermissionDenied
from oncoboard.governance import users
from oncoboard.governance.audit import AuditEvent
from oncoboard.governance.gate import Actor

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


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (templates put it in every form)."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return str(token)


async def current_actor(
    request: Request, session: Annotated[Session, Depends(get_session)]
) -> Actor:
    """Authenticate by ``Authorization: Bearer`` or by the signed session cookie."""
    rid = request_id(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return users.actor_for_token(session, header[7:].strip(), request_id=rid)
    username = request.session.get("user") if "session" in request.scope else None
    if not username:
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
    if request.method not in SAFE_METHODS:
        await _check_csrf(request)
    return users.actor_for(session, str(username), request_id=rid)


async def _check_csrf(request: Request) -> None:
    expected = request.session.get(CSRF_FIELD, "")
    supplied = request.headers.get(CSRF_HEADER, "")
    content_type = request.headers.get("content-type", "")
    if not supplied and ("form" in content_type):
        supplied = str((await request.form()).get(CSRF_FIELD, ""))
    if not expected or not hmac.compare_digest(str(expected), supplied):
        raise PermissionDenied("missing or wrong CSRF token; reload the page and try again")


ActorDep = Annotated[Actor, Depends(current_actor)]
