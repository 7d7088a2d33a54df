# SPDX-License-Identifier: Apache-2.0
"""How CDS Hooks calls authenticate: the EHR's JWT, verified from the headers before the body
is read (``api/bodies.py`` asks this first for ``/cds-services/…``), then reused by the route."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request

from oncoboard.ehr import jwt
from oncoboard.errors import NotAuthenticated, OncoBoardError
from oncoboard.settings import Settings

if TYPE_CHECKING:
    from oncoboard.api.bodies import Authenticate

CDS_PREFIX = "/cds-services/"


@cache
def _clients(path: Path | None) -> dict[str, jwt.CdsClient]:
    return jwt.load_clients(path)


def public_base(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return (settings.public_url or str(request.base_url)).rstrip("/")


def verified_client(request: Request) -> jwt.VerifiedClient:
    """The request's CDS client (verified once per request)."""
    found = getattr(request.state, "cds_client", None)
    if isinstance(found, jwt.VerifiedClient):
        return found
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise NotAuthenticated("CDS Hooks call without a bearer JWT from the EHR")
    settings: Settings = request.app.state.settings
    client = jwt.verify(
        header[7:].strip(),
        clients=_clients(settings.cds_clients),
        audience=public_base(request) + request.url.path.removesuffix("/feedback"),
    )
    request.state.cds_client = client
    return client


def with_cds(authenticate: Authenticate) -> Authenticate:
    """The body guard's check: CDS paths by JWT, everything else as before."""

    async def check(request: Request) -> OncoBoardError | None:
        if request.url.path.startswith(CDS_PREFIX):
            try:
                verified_client(request)
            except OncoBoardError as error:
                return error
            return None
        return await authenticate(request)

    return check
