# SPDX-License-Identifier: Apache-2.0
"""Accounts, roles, passwords (argon2) and API tokens (stored as SHA-256, shown once)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from oncoboard.errors import Conflict, InputError, NotAuthenticated, NotFound
from oncoboard.governance.audit import AuditEvent, append
from oncoboard.governance.gate import Actor
from oncoboard.governance.models import ApiTokenRow, UserRoleRow, UserRow, WebSessionRow
from oncoboard.governance.passwords import check_password_policy
from oncoboard.governance.vocabulary import Role
from oncoboard.record.ids import check_patient_id
from oncoboard.record.models import PatientRow
from oncoboard.store.db import unit_of_work

if TYPE_CHECKING:
    from argon2 import PasswordHasher

SITE_ADMIN = "site-admin"
TOKEN_PREFIX = "obt_"
# what the demo loader writes as the grantor of its accounts' roles: how prod finds them
DEMO_GRANTOR = "demo"
MIN_PASSWORD = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@cache
def _hasher() -> PasswordHasher:
    """argon2 with its defaults, loaded when a password is hashed or checked: a command that
    only reads records never needs it (docs/benchmarks.md, CLI start-up)."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified when the name is unknown, disabled or has no password, so every failed login costs
    one argon2 verification: an unknown name does not answer 50× faster than a known one. Made on
    first use, not at import (one argon2 hash, ~0.1 s, was paid by every CLI command)."""
    return _hasher().hash(secrets.token_urlsafe(24))


class UserOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    username: str
    display_name: str
    roles: list[Role]
    patient_id: str | None
    active: bool


class TokenOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    roles: list[Role],
    granted_by: str,
    password: str | None = None,
    patient_id: str | None = None,
) -> UserOut:
    if not _USERNAME.match(username):
        raise InputError(
            f"username {username!r}: expected 2-64 of a-z 0-9 . _ - starting with a letter or digit"
        )
    if session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists")
    patient_pk = None
    if patient_id is not None:
        check_patient_id(patient_id, locator="--patient")
        patient_pk = session.scalar(
            select(PatientRow.id).where(PatientRow.external_id == patient_id)
        )
        if patient_pk is None:
            raise NotFound(f"patient {patient_id!r} not found")
    row = UserRow(
        username=username,
        display_name=display_name,
        patient_id=patient_pk,
        password_hash=hash_password(password, username=username) if password else None,
        active=True,
    )
    session.add(row)
    session.flush()
    for role in roles:
        session.add(UserRoleRow(user_id=row.id, role=role.value, granted_by=granted_by))
    session.flush()
    return user_out(session, row)


def hash_password(password: str, *, username: str | None = None) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"password: expected at least {MIN_PASSWORD} characters")
    check_password_policy(password, username=username)
    return _hasher().hash(password)


def set_password(session: Session, *, username: str, password: str) -> tuple[int, int]:
    """A new password ends every session and token of the user (a thief's copy included)."""
    row = _user_row(session, username)
    row.password_hash = hash_password(password, username=username)
    return end_all_sessions(session, user_id=row.id)


def set_active(session: Session, *, username: str, active: bool) -> tuple[int, int]:
    """Disable (or enable) an account; disabling ends its sessions and tokens at once."""
    row = _user_row(session, username)
    row.active = active
    session.flush()
    return end_all_sessions(session, user_id=row.id) if not active else (0, 0)


def end_all_sessions(session: Session, *, user_id: int) -> tuple[int, int]:
    """End every web session and revoke every live API token of a user; (sessions, tokens)."""
    ended = session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))
    revoked = session.execute(
        update(ApiTokenRow)
        .where(ApiTokenRow.user_id == user_id, ApiTokenRow.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return int(getattr(ended, "rowcount", 0) or 0), int(getattr(revoked, "rowcount", 0) or 0)


def demo_accounts(session: Session) -> list[str]:
    """Active accounts the demo loader created (roles granted by it), by name."""
    return list(
        session.scalars(
            select(UserRow.username)
            .join(UserRoleRow, UserRoleRow.user_id == UserRow.id)
            .where(UserRow.active.is_(True), UserRoleRow.granted_by == DEMO_GRANTOR)
            .distinct()
            .order_by(UserRow.username)
        )
    )


def refuse_demo_accounts(engine: Engine) -> None:
    """Production refuses to start while an account with the published demo password is
    active; the message names the command that ends them."""
    with unit_of_work(engine) as session:
        names = demo_accounts(session)
    if names:
        raise Conflict(
            f"ONCOBOARD_ENV=prod refuses to start: {len(names)} demo account(s) are active "
            f"({', '.join(names)}) and their password is published. Run `oncoboard users "
            "disable --demo` (it also ends their sessions and tokens), then start again."
        )


def user_id(session: Session, username: str) -> int:
    return _user_row(session, username).id


def grant(session: Session, *, username: str, role: Role, granted_by: str) -> UserOut:
    row = _user_row(session, username)
    if session.get(UserRoleRow, (row.id, role.value)) is None:
        session.add(UserRoleRow(user_id=row.id, role=role.value, granted_by=granted_by))
        session.flush()
    return user_out(session, row)


def revoke(session: Session, *, username: str, role: Role) -> UserOut:
    """Removing a role ends the user's sessions and tokens: none keeps the old permissions."""
    row = _user_row(session, username)
    removed = session.execute(
        delete(UserRoleRow).where(UserRoleRow.user_id == row.id, UserRoleRow.role == role.value)
    )
    if getattr(removed, "rowcount", 0):
        end_all_sessions(session, user_id=row.id)
    return user_out(session, row)


def list_users(session: Session) -> list[UserOut]:
    return [user_out(session, row) for row in session.scalars(select(UserRow).order_by(UserRow.id))]


def user_out(session: Session, row: UserRow) -> UserOut:
    roles = session.scalars(
        select(UserRoleRow.role).where(UserRoleRow.user_id == row.id).order_by(UserRoleRow.role)
    )
    patient = (
        session.scalar(select(PatientRow.external_id).where(PatientRow.id == row.patient_id))
        if row.patient_id
        else None
    )
    return UserOut(
        username=row.username,
        display_name=row.display_name,
        roles=[Role(r) for r in roles],
        patient_id=patient,
        active=row.active,
    )


def actor_for(session: Session, username: str, *, request_id: str | None = None) -> Actor:
    """The acting user; unknown or disabled accounts are not authenticated."""
    found = session.execute(_NAMED_USER, {"username": username}).first()
    if found is None or not found.active:
        raise NotAuthenticated(f"unknown or disabled user {username!r}")
    return actor_from_row(found, request_id)


# every request runs these, so they are built once (building costs more than running):
# the user with their linked patient's external id, found by name or by a token's digest
# and their roles as one space-separated text (role names have no spaces)
_ROLES_TEXT = (
    select(func.aggregate_strings(UserRoleRow.role, " "))
    .where(UserRoleRow.user_id == UserRow.id)
    .correlate(UserRow)
    .scalar_subquery()
)
ACTING_USER = select(
    UserRow.id,
    UserRow.username,
    UserRow.display_name,
    UserRow.active,
    PatientRow.external_id,
    _ROLES_TEXT.label("roles"),
).outerjoin(PatientRow, PatientRow.id == UserRow.patient_id)
_NAMED_USER = ACTING_USER.where(UserRow.username == bindparam("username"))
_TOKEN_USER = (
    ACTING_USER.add_columns(ApiTokenRow.revoked_at, ApiTokenRow.expires_at)
    .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
    .where(ApiTokenRow.token_hash == bindparam("digest"))
)


def actor_from_row(user: Any, request_id: str | None) -> Actor:
    """``user``: a row of ``ACTING_USER`` (possibly with more columns)."""
    roles = (user.roles or "").split()
    return Actor(
        username=user.username,
        display_name=user.display_name,
        roles=frozenset(Role(r) for r in roles),
        patient_external_id=user.external_id,
        request_id=request_id,
    )


def ensure_site_admin(session: Session) -> None:
    """A fresh database gets one local site-admin account, so the CLI works on a new install."""
    if session.scalar(select(UserRow.id).where(UserRow.username == SITE_ADMIN)) is None:
        create_user(
            session,
            username=SITE_ADMIN,
            display_name="Local site administrator",
            roles=[Role.ADMIN],
            granted_by="installation",
        )


def authenticate(
    session: Session, *, username: str, password: str, request_id: str | None = None
) -> Actor:
    """Check a password; successful and failed logins are audit entries.

    Every failure costs the same argon2 verification whether or not the name exists, and
    says the same thing. Back-off after repeated failures is ``governance.login``'s job.
    """
    name = username[:64]
    row = session.scalar(select(UserRow).where(UserRow.username == name))
    usable = row is not None and row.active and bool(row.password_hash)
    stored = row.password_hash if usable and row is not None else _dummy_hash()
    if not _matches(stored or _dummy_hash(), password) or not usable:
        event = AuditEvent(
            actor=name,
            roles="",
            action="login",
            purpose="operations",
            object="session",
            outcome="denied",
            reason="wrong username or password",
            request_id=request_id,
        )
        raise NotAuthenticated("wrong username or password", audit_event=event)
    actor = actor_for(session, name, request_id=request_id)
    append(
        session,
        AuditEvent(
            actor=name,
            roles=actor.roles_text,
            action="login",
            purpose="operations",
            object="session",
            outcome="allowed",
            request_id=request_id,
        ),
    )
    return actor


def _matches(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return _hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_token(
    session: Session, *, username: str, name: str, valid_for: timedelta | None = timedelta(days=90)
) -> tuple[str, TokenOut]:
    """Return the secret (shown once) and its record; only the SHA-256 is stored."""
    row_user = _user_row(session, username)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + valid_for if valid_for else None
    row = ApiTokenRow(
        user_id=row_user.id,
        name=name,
        token_hash=_digest(secret),
        prefix=secret[:12],
        expires_at=expires,
    )
    session.add(row)
    session.flush()
    return secret, _token_out(row)


def list_tokens(session: Session, *, username: str) -> list[TokenOut]:
    user = _user_row(session, username)
    rows = session.scalars(
        select(ApiTokenRow).where(ApiTokenRow.user_id == user.id).order_by(ApiTokenRow.id)
    )
    return [_token_out(row) for row in rows]


def revoke_token(session: Session, *, username: str, token_id: int) -> TokenOut:
    user = _user_row(session, username)
    row = session.get(ApiTokenRow, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"token {token_id} not found for user {username!r}")
    row.revoked_at = row.revoked_at or datetime.now(UTC)
    return _token_out(row)


def actor_for_token(session: Session, secret: str, *, request_id: str | None = None) -> Actor:
    found = session.execute(_TOKEN_USER, {"digest": _digest(secret)}).first()
    now = datetime.now(UTC)
    if found is None:
        raise NotAuthenticated("invalid token")
    if found.revoked_at is not None:
        raise NotAuthenticated("token revoked")
    if found.expires_at is not None and _aware(found.expires_at) <= now:
        raise NotAuthenticated("token expired")
    if not found.active:
        raise NotAuthenticated(f"unknown or disabled user {found.username!r}")
    return actor_from_row(found, request_id)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _token_out(row: ApiTokenRow) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def _user_row(session: Session, username: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    if row is None:
        raise NotFound(f"user {username!r} not found")
    return row
