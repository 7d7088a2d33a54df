# SPDX-License-Identifier: Apache-2.0
"""OncoBoard as a SMART on FHIR app (App Launch 2.x): EHR launch and standalone launch, both
with PKCE (S256), as a public client.

Only EHRs on the configured list (``ONCOBOARD_SMART_CLIENTS``) may launch OncoBoard: the
``iss`` a launch names must be one of them, so a crafted link cannot send the browser, or the
token exchange, anywhere else. The launch state (state, PKCE verifier, issuer) and, after the
exchange, the patient context and access token travel in an encrypted, time-limited cookie:
nothing is stored server-side and any worker can finish the flow.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import httpx
from cryptography.fernet import Fernet, InvalidToken
from pydantic import BaseModel, ConfigDict, ValidationError

from oncoboard.errors import InputError, Problem

LAUNCH_TTL_S = 600
HTTP_TIMEOUT_S = 15


@dataclass(frozen=True)
class SmartServer:
    """One EHR FHIR server OncoBoard is registered with as a SMART app."""

    issuer: str
    client_id: str
    name: str
    scope: str = "launch openid fhirUser patient/*.read"
    standalone_scope: str = "launch/patient openid fhirUser patient/*.read"
    authorize_url: str | None = None
    token_url: str | None = None


class TokenResponse(BaseModel):
    """The parts of the token response OncoBoard uses (SMART App Launch, "Obtain token")."""

    model_config = ConfigDict(extra="ignore")
    access_token: str
    token_type: str
    patient: str | None = None
    scope: str | None = None
    expires_in: int | None = None
    appContext: str | None = None


def load_servers(path: Path | None) -> dict[str, SmartServer]:
    """The configured EHRs by issuer (``{"servers": [{issuer, client_id, name, …}]}``)."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        servers = [SmartServer(**entry) for entry in data.get("servers", [])]
    except (OSError, ValueError, TypeError) as error:
        raise InputError(f"{path}: not a readable SMART server list ({error})") from error
    return {s.issuer.rstrip("/"): s for s in servers}


def server_for(servers: dict[str, SmartServer], issuer: str | None) -> SmartServer:
    """The configured server for a launch's ``iss``; anything else is refused, named."""
    found = servers.get((issuer or "").rstrip("/"))
    if found is None:
        raise InputError(
            f"SMART launch from an EHR OncoBoard is not registered with: {issuer!r}",
            [Problem("SMART launch", "query", "iss", str(issuer)[:200],
                     "the FHIR base URL of a configured EHR (ONCOBOARD_SMART_CLIENTS)")],
        )  # fmt: skip
    return found


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) per RFC 7636."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def endpoints(server: SmartServer) -> tuple[str, str]:
    """(authorize, token) endpoints: configured, else the EHR's smart-configuration."""
    if server.authorize_url and server.token_url:
        return server.authorize_url, server.token_url
    url = f"{server.issuer.rstrip('/')}/.well-known/smart-configuration"
    try:
        response = httpx.get(url, timeout=HTTP_TIMEOUT_S, headers={"Accept": "application/json"})
        response.raise_for_status()
        config = response.json()
        return str(config["authorization_endpoint"]), str(config["token_endpoint"])
    except (httpx.HTTPError, ValueError, KeyError) as error:
        raise InputError(f"{url}: no usable SMART configuration ({error})") from error


def authorize_redirect(
    server: SmartServer,
    authorize_endpoint: str,
    *,
    redirect_uri: str,
    state: str,
    challenge: str,
    launch: str | None,
) -> str:
    """The authorization request: EHR launch passes ``launch``; standalone asks for a patient."""
    query = {
        "response_type": "code",
        "client_id": server.client_id,
        "redirect_uri": redirect_uri,
        "scope": server.scope if launch else server.standalone_scope,
        "state": state,
        "aud": server.issuer,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if launch:
        query["launch"] = launch
    separator = "&" if "?" in authorize_endpoint else "?"
    return f"{authorize_endpoint}{separator}{urlencode(query)}"


def exchange_code(
    server: SmartServer, token_endpoint: str, *, code: str, redirect_uri: str, verifier: str
) -> TokenResponse:
    """Trade the authorization code (and the PKCE verifier) for the access token."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": server.client_id,
        "code_verifier": verifier,
    }
    try:
        response = httpx.post(token_endpoint, data=form, timeout=HTTP_TIMEOUT_S)
    except httpx.HTTPError as error:
        raise InputError(f"SMART token endpoint unreachable: {error}") from error
    if response.status_code != 200:
        raise InputError(
            f"the EHR refused the SMART code exchange ({response.status_code}: "
            f"{response.text[:200]})"
        )
    try:
        return TokenResponse.model_validate(response.json())
    except (ValueError, ValidationError) as error:
        raise InputError(f"SMART token response not usable: {error}") from error


def _fernet(secret: str) -> Fernet:
    key = hashlib.sha256(b"oncoboard-smart-launch\0" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str, payload: dict[str, Any]) -> str:
    """Encrypt and authenticate a launch payload for a cookie."""
    return _fernet(secret).encrypt(json.dumps(payload).encode()).decode("ascii")


def unseal(secret: str, token: str | None) -> dict[str, Any]:
    """The payload of a cookie sealed here within the last ``LAUNCH_TTL_S`` seconds."""
    if not token:
        raise InputError("no SMART launch in progress in this browser (start from the EHR)")
    try:
        data = json.loads(_fernet(secret).decrypt(token.encode(), ttl=LAUNCH_TTL_S))
    except (InvalidToken, ValueError) as error:
        raise InputError("the SMART launch expired or was tampered with") from error
    if not isinstance(data, dict):
        raise InputError("the SMART launch cookie is malformed")
    return data


def page_for(patient: str, app_context: str | None) -> str:
    """Where the launch lands: the patient's page, at the section a CDS card asked for."""
    section = {"pgx": "#pharmacogenomics", "alerts": "#recommendations", "record": ""}
    wanted = parse_qs(app_context or "").get("page", [""])[0]
    return f"/patients/{quote(patient, safe='')}{section.get(wanted, '')}"
