# SPDX-License-Identifier: Apache-2.0
"""The FastAPI application: mounts every capability's router under ``/api/v1`` and the web pages."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware

from oncoboard import __version__
from oncoboard.actionability.cohort.routes import router as screening_router
from oncoboard.api import problems
from oncoboard.api.admission import AdmissionLimit
from oncoboard.api.guards import RejectControlCharacters
from oncoboard.dosing.routes import router as dosing_router
from oncoboard.governance.routes import router as governance_router
from oncoboard.ingest.routes import router as ingest_router
from oncoboard.ingest.uploads import UploadSizeLimit
from oncoboard.knowledge.routes import router as knowledge_router
from oncoboard.monitoring.routes import router as monitoring_router
from oncoboard.prediction.routes import router as prediction_router
from oncoboard.record.routes import router as record_router
from oncoboard.report.routes import api as report_api
from oncoboard.report.routes import pages as report_pages
from oncoboard.settings import Settings
from oncoboard.store.db import make_engine
from oncoboard.trials.routes import router as trials_router
from oncoboard.web.routes import mount_web


class Health(BaseModel):
    """Liveness answer: the service runs this version."""

    status: str
    version: str


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """Build the app from explicit settings (no globals); the engine may be shared by tests."""
    app = FastAPI(
        title="OncoBoard",
        version=__version__,
        description="Precision-oncology patient record, ingest and decision support API.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    problems.install(app)
    app.add_middleware(
        UploadSizeLimit,
        max_bytes=settings.max_upload_bytes,
        paths=("/api/v1/imports", "/imports"),
    )
    # signed cookie sessions for the web pages; Secure in production (served over HTTPS)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="oncoboard_session",
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.env == "prod",
    )
    app.add_middleware(RejectControlCharacters)
    # outermost: a request waits for its turn before anything else is done for it
    app.add_middleware(
        AdmissionLimit, limit=settings.max_active_requests, exempt=("/api/v1/health",)
    )
    app.include_router(record_router, prefix="/api/v1")
    app.include_router(ingest_router, prefix="/api/v1")
    app.include_router(governance_router, prefix="/api/v1")
    app.include_router(knowledge_router, prefix="/api/v1")
    app.include_router(report_api, prefix="/api/v1")
    app.include_router(report_pages)
    app.include_router(screening_router, prefix="/api/v1")
    app.include_router(trials_router, prefix="/api/v1")
    app.include_router(monitoring_router, prefix="/api/v1")
    app.include_router(dosing_router, prefix="/api/v1")
    app.include_router(prediction_router, prefix="/api/v1")

    @app.get("/api/v1/health", tags=["system"], response_model=Health)
    def health() -> Health:
        """Report that the service is up and its version."""
        return Health(status="ok", version=__version__)

    mount_web(app)
    return app
