# SPDX-License-Identifier: Apache-2.0
"""Verify the JWT a CDS client (the EHR) sends: issuer on the allow-list, signature by a key of
that issuer's configured JWKS, audience = the service URL, not expired, not from the future.

CDS Hooks 2.0 ("Trusting CDS Clients"): the EHR signs with an asymmetric key (RS/ES family);
``alg: none`` and shared-secret HMAC are refused. Keys come from configuration (inline JWKS or a
file); a ``jwks_url`` is fetched only when a site configures one. Written on ``cryptography``.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from oncoboard.errors import InputError, NotAuthenticated

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
    "ES256": hashes.SHA256,
    "ES384": hashes.SHA384,
    "ES512": hashes.SHA512,
}
_CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
}
LEEWAY_S = 60
MAX_LIFETIME_S = 3600


@dataclass
class CdsClient:
    """One EHR allowed to call the CDS services, with its keys."""

    issuer: str
    name: str
    jwks: dict[str, Any] = field(default_factory=dict)
    jwks_url: str | None = None

    def signing_keys(self) -> list[dict[str, Any]]:
        if not self.jwks.get("keys") and self.jwks_url:
            response = httpx.get(self.jwks_url, timeout=5)
            response.raise_for_status()
            self.jwks = response.json()
        return [k for k in self.jwks.get("keys", []) if isinstance(k, dict)]


@dataclass(frozen=True)
class VerifiedClient:
    issuer: str
    name: str
    subject: str | None
    jti: str | None


def load_clients(path: Path | None) -> dict[str, CdsClient]:
    """The allow-list from ``ONCOBOARD_CDS_CLIENTS`` (JSON); empty when not configured."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not a readable CDS client list ({error})") from error
    clients = {}
    for number, entry in enumerate(data.get("clients", [])):
        if not isinstance(entry, dict) or not entry.get("issuer"):
            raise InputError(f"{path}: clients[{number}]: expected an object with 'issuer'")
        jwks = entry.get("jwks") or {}
        if entry.get("jwks_file"):
            jwks = json.loads((path.parent / entry["jwks_file"]).read_text(encoding="utf-8"))
        if not jwks.get("keys") and not entry.get("jwks_url"):
            raise InputError(
                f"{path}: clients[{number}] ({entry['issuer']}): no jwks, jwks_file or jwks_url"
            )
        clients[entry["issuer"]] = CdsClient(
            issuer=entry["issuer"],
            name=str(entry.get("name") or entry["issuer"]),
            jwks=jwks,
            jwks_url=entry.get("jwks_url"),
        )
    return clients


def _b64(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as error:
        raise NotAuthenticated("CDS client JWT: not base64url") from error


def _int(value: str) -> int:
    return int.from_bytes(_b64(value), "big")


def _verify_signature(alg: str, key: dict[str, Any], signed: bytes, signature: bytes) -> bool:
    digest = _HASHES[alg]()
    try:
        if alg.startswith("RS") and key.get("kty") == "RSA":
            public = rsa.RSAPublicNumbers(_int(key["e"]), _int(key["n"])).public_key()
            public.verify(signature, signed, padding.PKCS1v15(), digest)
            return True
        if alg.startswith("ES") and key.get("kty") == "EC" and key.get("crv") in _CURVES:
            curve = _CURVES[key["crv"]]
            point = ec.EllipticCurvePublicNumbers(
                _int(key["x"]), _int(key["y"]), curve
            ).public_key()
            half = len(signature) // 2
            der = encode_dss_signature(
                int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
            )
            point.verify(der, signed, ec.ECDSA(digest))
            return True
    except (InvalidSignature, KeyError, ValueError):
        return False
    return False


def verify(
    token: str, *, clients: dict[str, CdsClient], audience: str, now: float | None = None
) -> VerifiedClient:
    """The verified client of a CDS request, or ``NotAuthenticated`` saying what failed."""
    parts = token.split(".")
    if len(parts) != 3:
        raise NotAuthenticated("CDS client JWT: expected header.payload.signature")
    try:
        header = json.loads(_b64(parts[0]))
        claims = json.loads(_b64(parts[1]))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise NotAuthenticated("CDS client JWT: header or payload is not JSON") from error
    alg = header.get("alg")
    if alg not in _HASHES:
        raise NotAuthenticated(f"CDS client JWT: algorithm {alg!r} refused (RS/ES family only)")
    client = clients.get(str(claims.get("iss")))
    if client is None:
        raise NotAuthenticated(
            f"CDS client JWT: issuer {claims.get('iss')!r} is not on the allow-list"
        )
    keys = [k for k in client.signing_keys() if header.get("kid") in (None, k.get("kid"))]
    signed = f"{parts[0]}.{parts[1]}".encode("ascii")
    signature = _b64(parts[2])
    if not any(_verify_signature(alg, key, signed, signature) for key in keys):
        raise NotAuthenticated(f"CDS client JWT: signature not valid for a key of {client.issuer}")
    _check_claims(claims, audience, now if now is not None else time.time())
    return VerifiedClient(
        issuer=client.issuer, name=client.name, subject=claims.get("sub"), jti=claims.get("jti")
    )


def _check_claims(claims: dict[str, Any], audience: str, now: float) -> None:
    audiences = claims.get("aud")
    listed = audiences if isinstance(audiences, list) else [audiences]
    if audience.rstrip("/") not in [str(a).rstrip("/") for a in listed]:
        raise NotAuthenticated(f"CDS client JWT: audience {audiences!r} is not {audience}")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or exp + LEEWAY_S < now:
        raise NotAuthenticated("CDS client JWT: expired or without exp")
    if isinstance(iat, int | float) and iat - LEEWAY_S > now:
        raise NotAuthenticated("CDS client JWT: issued in the future")
    if isinstance(iat, int | float) and exp - iat > MAX_LIFETIME_S:
        raise NotAuthenticated(f"CDS client JWT: lifetime over {MAX_LIFETIME_S} s")
