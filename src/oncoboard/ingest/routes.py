# SPDX-License-Identifier: Apache-2.0
"""HTTP routes for imports: upload a file, list the import ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Response, UploadFile

from oncoboard.edge.deps import SessionDep, SettingsDep
from oncoboard.edge.problems import problem_responses
from oncoboard.governance import gate
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.ingest import service
from oncoboard.ingest.schemas import ImportOptions, ImportReport
from oncoboard.ingest.uploads import import_upload
from oncoboard.record.genomics import GenomeBuild

router = APIRouter(tags=["imports"])


@router.get(
    "/imports", response_model=list[ImportReport], responses=problem_responses(401, 403, 422)
)
def list_imports(
    actor: ActorDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ImportReport]:
    """List the imports the caller may see, newest first (a patient: only their own)."""
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj="import ledger",
    )
    return service.list_imports(session=session, access=access, limit=limit, offset=offset)


@router.post(
    "/imports",
    response_model=ImportReport,
    status_code=201,
    responses={
        200: {"model": ImportReport, "description": "The same file was imported before."},
        **problem_responses(401, 403, 409, 413, 422),
    },
)
def upload_import(
    response: Response,
    file: UploadFile,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
    patient: Annotated[str | None, Form(max_length=128)] = None,
    genome_build: Annotated[GenomeBuild | None, Form()] = None,
    tumor_sample: Annotated[str | None, Form(max_length=128)] = None,
    tumor_type: Annotated[str | None, Form(max_length=32)] = None,
) -> ImportReport:
    """Upload one file and import it all-or-nothing; the same file again changes nothing."""
    access = service.authorize_import(session, actor, file.filename or "upload")
    report = import_upload(
        session=session,
        access=access,
        settings=settings,
        stream=file.file,
        filename=file.filename,
        options=ImportOptions(
            patient=patient,
            genome_build=genome_build,
            tumor_sample=tumor_sample,
            tumor_type=tumor_type,
        ),
    )
    if report.status == "unchanged":
        response.status_code = 200
    return report
