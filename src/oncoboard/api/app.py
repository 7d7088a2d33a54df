# SPDX-License-Identifier: Apache-2.0
"""The FastAPI application: mounts every capability's router under ``/api/v1`` and the web pages."""

from __future__ import annotations

import re
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import Engine, text
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import compile_path

from oncoboard import __version__
from oncoboard.actionability.cohort.routes import router as screening_router
from oncoboard.api.admission import AdmissionLimit, AdmissionState
from oncoboard.api.bodies import BodyLimits, RequestBodyGuard
from oncoboard.api.guards import RejectControlCharacters
from oncoboard.api.headers import SecurityHeaders
from oncoboard.dosing.routes import router as dosing_router
from oncoboard.edge import problems
from oncoboard.edge.problems import problem_responses
from oncoboard.ehr.http import with_cds
from oncoboard.ehr.routes import router as cds_router
from oncoboard.ehr.smart_routes import router as smart_router
from oncoboard.errors import OncoBoardError
from oncoboard.federation.routes import is_peer_request, preauthenticate_peer
from oncoboard.federation.routes import router as beacon_router
from oncoboard.governance.anchor import anchor_audit
from oncoboard.governance.http import preauthenticate
from oncoboard.governance.routes import router as governance_router
from oncoboard.governance.users import refuse_demo_accounts
from oncoboard.ingest.routes import router as ingest_router
from oncoboard.ingest.uploads import remove_orphaned_uploads
from oncoboard.knowledge.routes import router as knowledge_router
from oncoboard.monitoring.routes import router as monitoring_router
from oncoboard.pharmacogenomics.routes import router as pgx_router
from oncoboard.prediction.routes import router as prediction_router
from oncoboard.record.routes import router as record_router
from oncoboard.report.routes import api as report_api
from oncoboard.report.routes import pages as report_pages
from oncoboard.settings import Settings
from oncoboard.store.db import make_engine, read_only
from oncoboard.traceability.routes import router as celltherapy_router
from oncoboard.trials.routes import router as trials_router
from oncoboard.web.guards import CareTeamOnly
from oncoboard.web.routes import mount_web

# The only routes that take a body from someone not logged in (small ones).
LOGIN_PATHS = frozenset({"/login", "/api/v1/auth/token"})
HEALTH_PATH = "/api/v1/health"


class Health(BaseModel):
    """Whether this server process is serving requests, and its version."""

    status: str
    version: str
    database: str
    active: int
    waiting: int
    oldest_wait_s: float


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """Build the app from explicit settings (no globals); the engine may be shared by tests.

    With ``env=prod`` it refuses to start while demo accounts are active. Uploads a crash
    left behind are removed here (start-up)."""
    app = FastAPI(
        title="OncoBoard",
        version=__version__,
        description="Precision-oncology patient record, ingest and decision support API.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served offline by the web shell (web/docs.py)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    anchor_audit(app.state.engine, settings)
    if settings.env == "prod":
        refuse_demo_accounts(app.state.engine)
    remove_orphaned_uploads(engine=app.state.engine, folder=settings.upload_dir)
    problems.install(app)
    app.include_router(record_router, prefix="/api/v1")
    app.include_router(ingest_router, prefix="/api/v1")
    app.include_router(governance_router, prefix="/api/v1")
    app.include_router(knowledge_router, prefix="/api/v1")
    app.include_router(report_api, prefix="/api/v1")
    app.include_router(report_pages, dependencies=[CareTeamOnly])  # patients: released copies
    app.include_router(screening_router, prefix="/api/v1")
    app.include_router(trials_router, prefix="/api/v1")
    app.include_router(monitoring_router, prefix="/api/v1")
    app.include_router(dosing_router, prefix="/api/v1")
    app.include_router(celltherapy_router, prefix="/api/v1")
    app.include_router(prediction_router, prefix="/api/v1")
    app.include_router(pgx_router, prefix="/api/v1")
    app.include_router(cds_router)
    app.include_router(smart_router)
    app.include_router(beacon_router)  # GA4GH Beacon v2 site node, /api/beacon
    app.state.admission = AdmissionState()
    _system_routes(app)
    mount_web(app)
    _middleware(app, settings)
    return app


def _middleware(app: FastAPI, settings: Settings) -> None:
    """Outermost last: headers on every answer → control characters → session cookie →
    authenticated, bounded body → admission slot → the app."""
    app.add_middleware(
        AdmissionLimit,
        limit=settings.max_active_requests,
        exempt=(HEALTH_PATH,),
        state=app.state.admission,
    )
    app.add_middleware(
        RequestBodyGuard,
        limits=BodyLimits(
            max_bytes=settings.max_request_bytes,
            upload_bytes=settings.max_upload_bytes,
            public_bytes=settings.max_login_bytes,
            timeout_s=settings.body_timeout_s,
            idle_s=settings.body_idle_s,
            min_upload_rate=settings.min_upload_bytes_per_s,
        ),
        authenticate=with_cds(_authenticate_before_body),
        public_paths=LOGIN_PATHS,
        upload_routes=_upload_routes(app),
    )
    # server-side sessions (governance/sessions.py): the signed cookie holds the session id
    # and the CSRF token; Secure in production (served over HTTPS)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.signing_secret(),
        session_cookie="oncoboard_session",
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.env == "prod",
    )
    app.add_middleware(RejectControlCharacters)
    app.add_middleware(SecurityHeaders, https_only=settings.env == "prod")


async def _authenticate_before_body(request: Request) -> OncoBoardError | None:
    """A coordinator's signed Beacon request by its signature; everyone else by token/session."""
    if is_peer_request(request):
        return await preauthenticate_peer(request)
    return await preauthenticate(request)


def _upload_routes(app: FastAPI) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Routes that take a file (an ``UploadFile`` parameter): they get the upload limit."""
    found: list[tuple[str, re.Pattern[str]]] = []

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                fields = route.dependant.body_params
                if any("UploadFile" in str(f.field_info.annotation) for f in fields):
                    pattern = compile_path(prefix + route.path)[0]
                    found.extend((method, pattern) for method in route.methods or ())
            elif hasattr(route, "original_router"):  # a router included with a prefix
                walk(route.original_router.routes, prefix + route.include_context.prefix)

    walk(list(app.router.routes), "")
    return tuple(found)


def _system_routes(app: FastAPI) -> None:
    engine, settings, admission = app.state.engine, app.state.settings, app.state.admission

    def ping() -> str:
        # a read that takes no write lock: a busy writer does not make the probe wait
        with read_only(engine) as connection:
            connection.execute(text("SELECT 1"))
        return "ok"

    @app.get(HEALTH_PATH, tags=["system"], response_model=Health, responses=problem_responses(503))
    async def health() -> JSONResponse:
        """Report whether requests are being served (503 when they are not).

        503 when the database does not answer within 5 s or a request has waited longer than
        ``ONCOBOARD_HEALTH_STALL_S`` for an admission slot; the answer says which."""
        database = "no answer within 5 s"
        with anyio.move_on_after(5):
            try:
                database = await run_in_threadpool(ping)
            except Exception as error:  # any failure is the answer, not a crash of the probe
                database = f"unreachable ({type(error).__name__})"
        oldest = admission.oldest_wait_s()
        serving = database == "ok" and oldest < settings.health_stall_s
        body = Health(
            status="ok" if serving else "not serving",
            version=__version__,
            database=database,
            active=admission.active,
            waiting=len(admission.waiting),
            oldest_wait_s=round(oldest, 3),
        )
        if serving:
            return JSONResponse(body.model_dump())
        detail = (
            f"database: {database}; {body.waiting} request(s) waiting for a slot, the oldest "
            f"for {body.oldest_wait_s:.1f} s (limit {settings.health_stall_s:g} s)"
        )
        problem = {"type": "about:blank", "title": "Not serving", "status": 503}
        return JSONResponse(
            {**problem, "detail": detail, **body.model_dump()},
            status_code=503,
            media_type=problems.PROBLEM_JSON,
        )
