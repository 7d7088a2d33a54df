# SPDX-License-Identifier: Apache-2.0
"""SMART on FHIR launch pages: ``/smart/launch`` → EHR authorization → ``/smart/callback`` →
(OncoBoard sign-in) → ``/smart/open``: import the patient's record from the EHR, open the page.

Launch and callback need no OncoBoard login (they are OAuth redirects); ``/smart/open`` does,
so the user signs in to OncoBoard after the EHR's authorization and lands on the patient.
"""

from __future__ import annotations

import hmac
import io
import re
import secrets
from functools import cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from oncoboard.edge.deps import SessionDep, SettingsDep
from oncoboard.ehr import fhir_client, smart
from oncoboard.ehr.http import public_base
from oncoboard.errors import InputError
from oncoboard.governance.http import ActorDep
from oncoboard.ingest import service as ingest_service
from oncoboard.ingest.schemas import ImportOptions
from oncoboard.ingest.uploads import import_upload
from oncoboard.settings import Settings

router = APIRouter(include_in_schema=False)
COOKIE = "oncoboard_smart"
Param = Annotated[str | None, Query(max_length=2048)]


@cache
def _servers(path: Path | None) -> dict[str, smart.SmartServer]:
    return smart.load_servers(path)


def _redirect(target: str, settings: Settings, request: Request, payload: dict | None) -> Response:
    response = RedirectResponse(target, status_code=303)
    if payload is None:
        response.delete_cookie(COOKIE, path="/smart")
        return response
    response.set_cookie(
        COOKIE,
        smart.seal(settings.signing_secret(), payload),
        max_age=smart.LAUNCH_TTL_S,
        path="/smart",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/smart/launch")
def launch(
    request: Request, settings: SettingsDep, iss: Param = None, launch: Param = None
) -> Response:
    """Start a SMART launch: EHR launch (``iss`` + ``launch``) or standalone (``iss`` only)."""
    server = smart.server_for(_servers(settings.smart_clients), iss)
    authorize, token = smart.endpoints(server)
    verifier, challenge = smart.pkce_pair()
    state = secrets.token_urlsafe(24)
    target = smart.authorize_redirect(
        server,
        authorize,
        redirect_uri=public_base(request) + "/smart/callback",
        state=state,
        challenge=challenge,
        launch=launch,
    )
    payload = {"stage": "authorize", "state": state, "verifier": verifier,
               "iss": server.issuer, "token_url": token}  # fmt: skip
    return _redirect(target, settings, request, payload)


@router.get("/smart/callback")
def callback(
    request: Request,
    settings: SettingsDep,
    code: Param = None,
    state: Param = None,
    error: Param = None,
) -> Response:
    """The EHR's redirect: check the state, exchange the code with the PKCE verifier."""
    started = smart.unseal(settings.signing_secret(), request.cookies.get(COOKIE))
    if started.get("stage") != "authorize" or not hmac.compare_digest(
        str(started.get("state")), state or ""
    ):
        raise InputError("SMART callback: the state does not match this browser's launch")
    if error or not code:
        raise InputError(f"the EHR did not authorize the launch ({error or 'no code'})")
    server = smart.server_for(_servers(settings.smart_clients), str(started["iss"]))
    token = smart.exchange_code(
        server,
        str(started["token_url"]),
        code=code,
        redirect_uri=public_base(request) + "/smart/callback",
        verifier=str(started["verifier"]),
    )
    if not token.patient:
        raise InputError("the EHR's token response has no patient context")
    payload = {"stage": "open", "iss": server.issuer, "patient": token.patient,
               "access_token": token.access_token, "app_context": token.appContext}  # fmt: skip
    return _redirect("/smart/open", settings, request, payload)


@router.get("/smart/open")
def open_patient(
    request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Signed in: import the launched patient's record from the EHR, then open their page."""
    access = ingest_service.authorize_import(session, actor, "SMART launch")
    launched = smart.unseal(settings.signing_secret(), request.cookies.get(COOKIE))
    if launched.get("stage") != "open":
        raise InputError("no completed SMART launch in this browser (start from the EHR)")
    patient, iss = str(launched["patient"]), str(launched["iss"])
    # the stored file (the import's provenance) names the EHR and the patient it came from
    host = urlparse(iss).netloc
    name = re.sub(r"[^A-Za-z0-9_.+-]", "-", f"ehr-{host}-{patient}")[:120] + ".fhir.json"
    bundle = fhir_client.read_record(iss, str(launched["access_token"]), patient)
    import_upload(
        session=session,
        access=access,
        settings=settings,
        stream=io.BytesIO(fhir_client.bundle_bytes(bundle)),
        filename=name,
        options=ImportOptions(),
    )
    app_context = launched.get("app_context")
    target = smart.page_for(patient, str(app_context) if app_context else None)
    return _redirect(target, settings, request, None)
