# SPDX-License-Identifier: Apache-2.0
"""Per-user Ed25519 signing keys, unlocked only by re-authentication at the moment of signing.

The private key is stored PKCS#8-encrypted under the signer's own password (``cryptography``'s
best available encryption), so neither the database nor site IT can sign as someone else without
that password; the server holds the decrypted key only for the one signature. A password change
makes the old key unusable: the next signature enrols a new key and retires the old one, which
stays on file to verify what it signed. See docs/traceability.md for the limits of this choice.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.errors import NotAuthenticated, PermissionDenied
from oncoboard.governance import audit, users
from oncoboard.governance.gate import Actor
from oncoboard.governance.models import UserRow
from oncoboard.traceability.chain import SigningKey, fingerprint
from oncoboard.traceability.models import SigningKeyRow

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True)
class UnlockedKey:
    """A signer's key for one signature (never stored decrypted)."""

    username: str
    fingerprint: str
    private_key: Ed25519PrivateKey

    def sign(self, entry_hash: str) -> str:
        return base64.b64encode(self.private_key.sign(bytes.fromhex(entry_hash))).decode()


def unlock(session: Session, *, actor: Actor, password: str) -> UnlockedKey:
    """Re-authenticate ``actor`` with ``password`` (failures count towards the login lock-out
    and are audited) and return their signing key, enrolling one if needed."""
    has_password = session.scalar(
        select(UserRow.password_hash).where(UserRow.username == actor.username)
    )
    if not has_password:
        raise PermissionDenied(
            f"user {actor.username!r} has no password: an electronic signature needs "
            "re-authentication (set one with 'oncoboard users set-password')"
        )
    try:
        users.authenticate(
            session, username=actor.username, password=password, request_id=actor.request_id
        )
    except NotAuthenticated as error:
        raise PermissionDenied(
            "signature not recorded: re-authentication failed (wrong password)",
            audit_event=error.audit_event,
        ) from None
    row = session.scalar(
        select(SigningKeyRow)
        .where(SigningKeyRow.username == actor.username, SigningKeyRow.retired_at.is_(None))
        .order_by(SigningKeyRow.id.desc())
    )
    if row is not None:
        key = _decrypt(row.encrypted_private_key, password)
        if key is not None:
            return UnlockedKey(actor.username, row.fingerprint, key)
        row.retired_at = datetime.now(UTC)  # enrolled under an earlier password
    return _enrol(session, actor, password)


def public_keys(session: Session) -> dict[str, SigningKey]:
    """Every key ever enrolled (retired ones verify what they signed), by fingerprint."""
    rows = session.execute(
        select(SigningKeyRow.fingerprint, SigningKeyRow.username, SigningKeyRow.public_key)
    )
    return {fp: SigningKey(fp, user, public) for fp, user, public in rows}


def _decrypt(pem: str, password: str) -> Ed25519PrivateKey | None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(pem.encode(), password.encode())
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, Ed25519PrivateKey) else None


def _enrol(session: Session, actor: Actor, password: str) -> UnlockedKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        .hex()
    )
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    ).decode()
    found = fingerprint(public)
    session.add(
        SigningKeyRow(
            username=actor.username,
            fingerprint=found,
            public_key=public,
            encrypted_private_key=encrypted,
        )
    )
    session.flush()
    # the enrolment is in the governance audit chain too: a key swapped in the table later
    # does not match the fingerprint recorded there
    audit.append(
        session,
        audit.AuditEvent(
            actor=actor.username,
            roles=actor.roles_text,
            action="enrol_signing_key",
            purpose="operations",
            object=f"ed25519 key {found}",
            outcome="allowed",
            request_id=actor.request_id,
        ),
    )
    return UnlockedKey(actor.username, found, key)
