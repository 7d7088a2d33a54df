# SPDX-License-Identifier: Apache-2.0
"""Mutual authentication between a coordinator and a site: HTTP Message Signatures (RFC 9421,
``http-message-signatures``) with per-site Ed25519 keys.

* A site issues each coordinator (peer) its own key pair. The **access key** (shown once)
  carries the peer's private key and the site's public key; the site keeps only the peer's
  public key, so a copy of the site's database cannot be used to sign requests.
* The coordinator signs every request (method, path, query, body digest, the researcher it acts
  for, a fresh nonce and the time). The site refuses a bad signature, a revoked key, a request
  older than :data:`MAX_AGE` and a nonce it has seen (a replay).
* The site signs every answer with its own key, covering the request's signature, so the
  coordinator knows who answered and that the answer belongs to its request.
* The coordinator keeps access keys encrypted (AES-GCM under a key derived from
  ``ONCOBOARD_SECRET_KEY``); the site keeps its own private key the same way.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from oncoboard.errors import InputError, NotAuthenticated, NotFound, Problem
from oncoboard.federation.models import PeerRow, SeenNonceRow, SiteIdentityRow
from oncoboard.governance.gate import Actor
from oncoboard.governance.vocabulary import Role
from oncoboard.record.models import utcnow
from oncoboard.store.db import insert_or_skip

KEY_PREFIX = "obfed1"
REQUEST_TAG = "oncoboard-federation-request"
RESPONSE_TAG = "oncoboard-federation-answer"
RESEARCHER_HEADER = "x-oncoboard-researcher"
MAX_AGE = timedelta(seconds=120)
_RESEARCHER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,47}$")
REQUEST_COMPONENTS = ("@method", "@path", "@query", RESEARCHER_HEADER)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def private_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def fingerprint(public_key_b64: str) -> str:
    """SHA-256 of the raw public key, hex: what two administrators compare by phone."""
    return hashlib.sha256(_unb64(public_key_b64)).hexdigest()


# ---------------------------------------------------------------- keys at rest


def _aead(secret_key: str) -> AESGCM:
    derived = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"oncoboard federation keys")
    return AESGCM(derived.derive(secret_key.encode()))


def encrypt(secret_key: str, data: bytes) -> str:
    nonce = os.urandom(12)
    return _b64(nonce + _aead(secret_key).encrypt(nonce, data, None))


def decrypt(secret_key: str, token: str) -> bytes:
    raw = _unb64(token)
    try:
        return _aead(secret_key).decrypt(raw[:12], raw[12:], None)
    except Exception as error:  # cryptography raises InvalidTag
        raise NotAuthenticated(
            "a stored federation key cannot be decrypted: was ONCOBOARD_SECRET_KEY changed? "
            "Issue new keys (federation peers add / sites add)"
        ) from error


def site_key(session: Session, secret_key: str) -> Ed25519PrivateKey:
    """This site's signing key, created on first use."""
    row = session.get(SiteIdentityRow, 1)
    if row is None:
        key = Ed25519PrivateKey.generate()
        row = SiteIdentityRow(
            id=1,
            public_key=_b64(public_bytes(key.public_key())),
            encrypted_private_key=encrypt(secret_key, private_bytes(key)),
        )
        session.add(row)
        session.flush()
        return key
    return Ed25519PrivateKey.from_private_bytes(decrypt(secret_key, row.encrypted_private_key))


# ---------------------------------------------------------------- access keys


@dataclass(frozen=True)
class AccessKey:
    """What a coordinator needs to talk to one site: its own key and the site's public key."""

    key_id: str
    site_public_key: str
    private_key: Ed25519PrivateKey

    def text(self) -> str:
        return f"{KEY_PREFIX}.{self.key_id}.{self.site_public_key}.{_b64(private_bytes(self.private_key))}"

    @classmethod
    def parse(cls, text: str) -> AccessKey:
        parts = text.strip().split(".")
        try:
            if len(parts) != 4 or parts[0] != KEY_PREFIX:
                raise ValueError(parts[0])
            Ed25519PublicKey.from_public_bytes(_unb64(parts[2]))
            key = Ed25519PrivateKey.from_private_bytes(_unb64(parts[3]))
        except ValueError as error:
            raise InputError(
                "not a site access key",
                [
                    Problem(
                        "access key",
                        "key",
                        "key",
                        text[:12] + "…",
                        f"{KEY_PREFIX}.<id>.<site key>.<secret>",
                    )
                ],
            ) from error
        return cls(key_id=parts[1], site_public_key=parts[2], private_key=key)


def issue_peer_key(
    session: Session, *, name: str, created_by: str, secret_key: str
) -> tuple[str, PeerRow]:
    """Register a coordinator and return its access key (shown once, never stored here)."""
    if session.scalar(select(PeerRow).where(PeerRow.name == name)) is not None:
        raise InputError(
            f"peer {name!r} exists; revoke it first to issue a new key",
            [Problem("peers", name, "name", name, "a new peer name")],
        )
    peer_key = Ed25519PrivateKey.generate()
    public = _b64(public_bytes(peer_key.public_key()))
    row = PeerRow(
        name=name,
        key_id=secrets.token_hex(8),
        public_key=public,
        fingerprint=fingerprint(public),
        created_by=created_by,
    )
    session.add(row)
    site_public = _b64(public_bytes(site_key(session, secret_key).public_key()))
    session.flush()
    return AccessKey(row.key_id, site_public, peer_key).text(), row


def revoke_peer(session: Session, name: str) -> PeerRow:
    row = session.scalar(select(PeerRow).where(PeerRow.name == name))
    if row is None:
        raise NotFound(f"no peer named {name!r}")
    row.revoked_at = row.revoked_at or utcnow()
    return row


# ---------------------------------------------------------------- signing and verifying


class _Keys(HTTPSignatureKeyResolver):
    def __init__(
        self, private: Ed25519PrivateKey | None = None, public: Ed25519PublicKey | None = None
    ) -> None:
        self.private, self.public = private, public

    def resolve_private_key(self, key_id: str) -> Any:
        return self.private

    def resolve_public_key(self, key_id: str) -> Any:
        return self.public


@dataclass
class Message:
    """A request as the signature library reads it (header names in lower case)."""

    method: str
    url: str
    headers: dict[str, str]


def _response(status: int, headers: dict[str, str], request: Message) -> Any:
    @dataclass
    class _Response:
        status_code: int
        headers: dict[str, str]
        request: Message

    return _Response(status, headers, request)


def sign_request(message: Message, key: AccessKey, body: bytes) -> None:
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519, key_resolver=_Keys(key.private_key)
    )
    signer.sign(
        message,
        key_id=key.key_id,
        nonce=secrets.token_urlsafe(18),
        label="req",
        tag=REQUEST_TAG,
        covered_component_ids=REQUEST_COMPONENTS,
        body=body,
    )


def _signed_by_peer(session: Session, message: Message, body: bytes | None) -> tuple[PeerRow, Any]:
    """The registered, unrevoked peer whose signature covers ``message`` (and its body's
    digest when ``body`` is given), with the verified signature; or NotAuthenticated."""
    key_id = _key_id(message.headers)
    peer = session.scalar(select(PeerRow).where(PeerRow.key_id == key_id))
    if peer is None:
        raise NotAuthenticated(f"unknown federation key {key_id!r}")
    if peer.revoked_at is not None:
        raise NotAuthenticated(f"federation key of peer {peer.name!r} was revoked")
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519,
        key_resolver=_Keys(public=Ed25519PublicKey.from_public_bytes(_unb64(peer.public_key))),
    )
    try:
        result = verifier.verify(
            message,
            max_age=MAX_AGE,
            expect_tag=REQUEST_TAG,
            require_components=REQUEST_COMPONENTS,
            body=body,
        )[0]
    except HTTPMessageSignaturesException as error:
        raise NotAuthenticated(f"federation signature refused: {error}") from error
    return peer, result


def check_signed_headers(session: Session, message: Message) -> None:
    """Before a body is read (``api/bodies.py``): the headers carry a valid signature of a
    registered peer (the signature covers the Content-Digest header; the body is checked
    against it, and the nonce spent, by :func:`verify_request` once it has arrived)."""
    _signed_by_peer(session, message, None)


def verify_request(
    session: Session, message: Message, body: bytes, request_id: str | None
) -> Actor:
    """The researcher a registered, unrevoked coordinator vouches for; or NotAuthenticated."""
    peer, result = _signed_by_peer(session, message, body)
    key_id = peer.key_id
    nonce = str(result.parameters.get("nonce") or "")
    if not 16 <= len(nonce) <= 64:
        raise NotAuthenticated("federation signature without a nonce")
    _remember_nonce(session, key_id, nonce)
    researcher = next((v for k, v in message.headers.items() if k.lower() == RESEARCHER_HEADER), "")
    if not _RESEARCHER.match(researcher):
        raise NotAuthenticated(f"the coordinator must name the researcher ({RESEARCHER_HEADER})")
    peer.last_used_at = utcnow()
    return Actor(
        username=f"{peer.name}/{researcher}"[:64],
        display_name=f"{researcher} via {peer.name}",
        roles=frozenset({Role.RESEARCHER}),
        request_id=request_id,
    )


def _key_id(headers: dict[str, str]) -> str:
    text = next((v for k, v in headers.items() if k.lower() == "signature-input"), "")
    found = re.search(r'keyid="([^"]{1,32})"', text)
    if found is None:
        raise NotAuthenticated("federation request without a key id in Signature-Input")
    return found[1]


def _remember_nonce(session: Session, key_id: str, nonce: str) -> None:
    """A nonce is accepted once; nonces older than twice the signature age are forgotten."""
    session.execute(delete(SeenNonceRow).where(SeenNonceRow.seen_at < utcnow() - 2 * MAX_AGE))
    statement = insert_or_skip(session, SeenNonceRow, ("key_id", "nonce"), returning=("nonce",))
    stored = session.execute(
        statement, {"key_id": key_id, "nonce": nonce, "seen_at": utcnow()}
    ).first()
    if stored is None:
        raise NotAuthenticated("replayed federation request (nonce already used)")


def sign_response(
    key: Ed25519PrivateKey, request: Message, status: int, headers: dict[str, str], body: bytes
) -> None:
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_Keys(key))
    signer.sign(
        _response(status, headers, request),
        key_id="site",
        nonce=secrets.token_urlsafe(18),
        label="answer",
        tag=RESPONSE_TAG,
        body=body,
        covered_component_ids=("@status", "content-type", '"signature";req;key="req"'),
    )


def verify_response(
    site_public_key: str, request: Message, status: int, headers: dict[str, str], body: bytes
) -> None:
    """Raise NotAuthenticated unless the site signed this answer to this request."""
    public = Ed25519PublicKey.from_public_bytes(_unb64(site_public_key))
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519, key_resolver=_Keys(public=public)
    )
    try:
        verifier.verify(
            _response(status, headers, request),
            max_age=MAX_AGE,
            expect_tag=RESPONSE_TAG,
            require_components=("@status", '"signature";req;key="req"'),
            body=body,
        )
    except HTTPMessageSignaturesException as error:
        raise NotAuthenticated(f"the site's answer is not signed by its key: {error}") from error
