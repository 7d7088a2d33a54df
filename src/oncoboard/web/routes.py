# SPDX-License-Identifier: Apache-2.0
"""Server-rendered pages: patient list and patient record (Jinja2, no JS build step)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from oncoboard import __version__
from oncoboard.api.deps import SessionDep
from oncoboard.record import service
from oncoboard.record.service import describe

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["version"] = __version__
templates.env.filters["describe"] = describe

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25


@router.get("/", response_class=HTMLResponse)
def patient_list(
    request: Request,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    items, total = service.list_patients(
        session=session, search=q or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    pages = max(1, -(-total // PAGE_SIZE))
    return templates.TemplateResponse(
        request,
        "patients.html",
        {"items": items, "total": total, "q": q or "", "page": page, "pages": pages},
    )


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(
    request: Request,
    patient_id: str,
    session: SessionDep,
    vpage: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    record = service.get_patient_record(
        session=session, patient_id=patient_id, variant_limit=200, variant_offset=(vpage - 1) * 200
    )
    vpages = max(1, -(-record.variant_total // 200))
    return templates.TemplateResponse(
        request, "patient.html", {"record": record, "vpage": vpage, "vpages": vpages}
    )


def mount_web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(router)
