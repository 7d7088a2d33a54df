# SPDX-License-Identifier: Apache-2.0
"""Server-side web sessions: the cookie carries a random id, the database says whether it lives.

A signed cookie alone cannot be taken back: a copy saved before logout kept reading patient
data. Here the cookie names a row; logout deletes it, and a password change, a role removed or
a disabled account delete every row of that user and revoke every API token at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete
from sqlalchemy.orm import Session

from oncoboard.errors import NotAuthenticated
from oncoboard.governance.gate import Actor
from oncoboard.governance.models import WebSessionRow
from oncoboard.governance.users import ACTING_USER, actor_from_row

SESSION_KEY = "sid"

_SESSION_USER = (
    ACTING_USER.add_columns(WebSessionRow.expires_at)
    .join(WebSessionRow, WebSessionRow.user_id == ACTING_USER.selected_columns.id)
    .where(WebSessionRow.id_hash == bindparam("digest"))
)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(session: Session, *, user_id: int, max_age_s: int) -> str:
    """A new session for ``user_id``; returns the id for the cookie (stored only hashed)."""
    session_id = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(
        WebSessionRow(
            id_hash=_digest(session_id),
            user_id=user_id,
            created_at=now,
            expires_at=now + timedelta(seconds=max_age_s),
        )
    )
    session.flush()
    return session_id


def actor_for_session(session: Session, session_id: str, *, request_id: str | None) -> Actor:
    """The user of a live session; ended, expired or unknown sessions are not authenticated."""
    found = session.execute(_SESSION_USER, {"digest": _digest(session_id)}).first()
    if found is None:
        raise NotAuthenticated("your session has ended: log in again")
    expires = found.expires_at if found.expires_at.tzinfo else found.expires_at.replace(tzinfo=UTC)
    if expires <= datetime.now(UTC):
        raise NotAuthenticated("your session has expired: log in again")
    if not found.active:
        raise NotAuthenticated(f"unknown or disabled user {found.username!r}")
    return actor_from_row(found, request_id)


def end(session: Session, session_id: str) -> None:
    """Logout: this session ends on the server, so a saved copy of the cookie is worthless."""
    session.execute(delete(WebSessionRow).where(WebSessionRow.id_hash == _digest(session_id)))


def purge_expired(session: Session) -> None:
    """Drop expired rows (run at login, so the table holds only live sessions)."""
    session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= datetime.now(UTC)))
