# SPDX-License-Identifier: Apache-2.0
"""HTTP routes for imports: upload a file, list the import ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response, UploadFile

from oncoboard.api.deps import SessionDep, SettingsDep
from oncoboard.errors import PayloadTooLarge
from oncoboard.ingest import service
from oncoboard.ingest.schemas import ImportOptions, ImportReport, SourceFile
from oncoboard.ingest.uploads import check_upload_name, save_upload
from oncoboard.record.genomics import GenomeBuild

router = APIRouter(tags=["imports"])


@router.get("/imports", response_model=list[ImportReport])
def list_imports(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ImportReport]:
    """List imports, newest first."""
    return service.list_imports(session=session, limit=limit, offset=offset)


@router.post("/imports", response_model=ImportReport, status_code=201)
def upload_import(
    request: Request,
    response: Response,
    file: UploadFile,
    session: SessionDep,
    settings: SettingsDep,
    patient: Annotated[str | None, Form(max_length=128)] = None,
    genome_build: Annotated[GenomeBuild | None, Form()] = None,
    tumor_sample: Annotated[str | None, Form(max_length=128)] = None,
) -> ImportReport:
    """Upload one file and import it all-or-nothing."""
    declared = int(request.headers.get("content-length") or 0)
    if declared > settings.max_upload_bytes + 64 * 1024:
        raise PayloadTooLarge(
            f"upload is {declared} bytes, larger than the limit of {settings.max_upload_bytes}"
        )
    name = check_upload_name(file.filename)
    path = save_upload(
        file.file, name=name, folder=settings.upload_dir, max_bytes=settings.max_upload_bytes
    )
    options = ImportOptions(patient=patient, genome_build=genome_build, tumor_sample=tumor_sample)
    report = service.import_source(
        session=session,
        source=SourceFile.from_path(path, name=name),
        options=options,
        batch_size=settings.import_batch_size,
    )
    if report.status == "unchanged":
        response.status_code = 200
    return report
