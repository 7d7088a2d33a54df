# SPDX-License-Identifier: Apache-2.0
"""Server-rendered pages: patient list, patient record, fact provenance, imports (no JS build)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from sqlalchemy.orm import Session

from oncoboard.dosing import genotype as dosing_genotype
from oncoboard.dosing import service as dosing_service
from oncoboard.dosing import views as dosing_views
from oncoboard.edge import templates as template_helpers
from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import status_for
from oncoboard.edge.templates import STATIC_DIR, templates
from oncoboard.errors import AccessError, InputError, NotFound, OncoBoardError
from oncoboard.governance import decisions, gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.http import (
    ActorDep,
    check_csrf,
    csrf_token,
    session_actor,
    uses_cookie,
)
from oncoboard.governance.vocabulary import Action, Purpose, allowed_purposes
from oncoboard.ingest import service as ingest_service
from oncoboard.ingest.schemas import ImportOptions
from oncoboard.ingest.uploads import import_upload
from oncoboard.monitoring.plot import symptom_panel
from oncoboard.portal import service as portal_service
from oncoboard.prediction.section import prediction_section
from oncoboard.record import service
from oncoboard.record.genomics import parse_genome_build
from oncoboard.record.labels import describe, stage_text
from oncoboard.record.schemas import VariantSort
from oncoboard.store.db import unit_of_work
from oncoboard.web import navigation
from oncoboard.web.guards import CareTeamOnly
from oncoboard.web.summary import first_screen

VARIANT_PAGE_SIZE = 100
IMPORT_PAGE_SIZE = 50
SORTS: dict[str, str] = {
    "file": "File order",
    "gene": "Gene A→Z",
    "-gene": "Gene Z→A",
    "-vaf": "VAF high→low",
    "vaf": "VAF low→high",
    "-depth": "Depth high→low",
    "depth": "Depth low→high",
}


# Common terms of the two vocabularies files use: Sequence Ontology (Ensembl VEP, SnpEff) and the
# MAF Variant_Classification values (GDC MAF format); the filter also takes any other text.
CONSEQUENCE_TERMS = (
    "missense",
    "stop_gained",
    "frameshift",
    "splice",
    "inframe",
    "start_lost",
    "stop_lost",
    "synonymous",
    "Missense_Mutation",
    "Nonsense_Mutation",
    "Frame_Shift",
    "In_Frame",
    "Splice_Site",
    "Silent",
)


def consequence_terms(record: Any) -> list[str]:
    """Suggestions for the consequence filter: the terms on this page, then common ones."""
    seen = [getattr(f.fact, "consequence", None) for f in record.variants]
    return list(dict.fromkeys([*(t for t in seen if t), *CONSEQUENCE_TERMS]))


router = APIRouter(include_in_schema=False)


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(
    request: Request,
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    vpage: Annotated[int, Query(ge=1)] = 1,
    gene: Annotated[str | None, Query(max_length=64)] = None,
    sort: VariantSort = "file",
    passed: bool = False,
    consequence: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """One patient's record: the first screen, clinical sections, variant table, timeline."""
    if actor.is_patient_only and patient_id == actor.patient_external_id:
        return RedirectResponse("/", status_code=303)  # a patient's own view is their home
    try:
        access = gate.authorize(
            session,
            actor=actor,
            action=Action.VIEW_RECORD,
            purpose=Purpose.TREATMENT,
            obj="patient page",
            patient_id=patient_id,
        )
        record = service.get_patient_record(
            session=session,
            access=access,
            variant_limit=VARIANT_PAGE_SIZE,
            variant_offset=(vpage - 1) * VARIANT_PAGE_SIZE,
            gene=gene or None,
            sort=sort,
            passed_only=passed,
            consequence=consequence or None,
        )
    except NotFound as error:
        return _not_found(request, error)
    recommendations = decisions.list_for_patient(session, access=access)
    if actor.is_patient_only:  # symptom alerts are care-team work: a patient reads hers, in her
        # own words, on "Symptom reports" (monitoring.web.my_reports), not as rule keys here
        recommendations = [r for r in recommendations if r.recommendation.kind.value != "alert"]
    can_decide = bool(allowed_purposes(actor.roles, Action.DECIDE))
    # approved dose changes per treatment line (dosing capability, 0007)
    dose_changes = dosing_service.approved_changes(session, access=access)
    primary = next((f for f in record.conditions if getattr(f.fact, "is_primary", False)), None)
    context = {
        "record": record,
        "recommendations": recommendations,
        "can_decide": can_decide,
        "dose_changes": dose_changes,
        # "Propose a dose change" for drugs with a label table (None: not allowed / no such drug)
        "dose_form": dosing_views.proposal_form(record.patient_id, record.treatments, actor=actor),
        # "Pharmacogenomics": genotype-guided starting doses, drugs on the record first
        "starting_doses": dosing_genotype.starting_doses(session, access=access),
        # "Symptoms": PRO-CTCAE grade trajectory with treatment lines and dose changes marked
        "symptoms": symptom_panel(
            session,
            access=access,
            request=request,
            actor=actor,
            treatments=record.treatments,
            dose_changes=dose_changes,
        ),
        "prediction": prediction_section(session, actor=actor, record=record),  # prediction/
        "demo": record.demographics[0] if record.demographics else None,
        "primary": primary or (record.conditions[0] if record.conditions else None),
        # Treatment lines in the order they were given; undated ones last, in file order.
        "treatments": sorted(
            record.treatments, key=lambda f: getattr(f.fact, "start", None) or "\uffff"
        ),
        "vpage": vpage,
        "vpages": _pages(record.variant_total, VARIANT_PAGE_SIZE),
        "vfirst": (vpage - 1) * VARIANT_PAGE_SIZE + 1,
        "gene": gene or "",
        "sort": sort,
        "passed": passed,
        "consequence": consequence or "",
        # suggestions only: reading every variant's term would cost seconds at 50k variants
        "consequences": consequence_terms(record),
        "first": first_screen(
            session,
            access=access,
            record=record,
            dose_changes=dose_changes,
            recommendations=recommendations,
        ),
        "shared": portal_service.released_documents(session, access=access, include_withdrawn=True),
    }
    return templates.TemplateResponse(request, "patient.html", context)


@router.get(
    "/patients/{patient_id}/facts/{fact_id}",
    response_class=HTMLResponse,
    dependencies=[CareTeamOnly],
)
def fact_page(
    request: Request, patient_id: str, fact_id: int, actor: ActorDep, session: SessionDep
) -> Response:
    """One fact: its values, full provenance and the raw source record."""
    try:
        access = gate.authorize(
            session,
            actor=actor,
            action=Action.VIEW_RECORD,
            purpose=Purpose.TREATMENT,
            obj=f"fact {fact_id}",
            patient_id=patient_id,
        )
        detail = service.get_fact(session=session, access=access, fact_id=fact_id)
    except NotFound as error:
        return _not_found(request, error)
    values = [
        (name, value)
        for name, value in detail.fact.model_dump(exclude={"kind"}).items()
        if value not in (None, "", (), [])
    ]
    return templates.TemplateResponse(request, "fact.html", {"detail": detail, "values": values})


@router.get("/imports", response_class=HTMLResponse, dependencies=[CareTeamOnly])
def imports_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
    import_id: Annotated[str | None, Query(max_length=36)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> HTMLResponse:
    """The import ledger and the upload form."""
    context = _ledger(session, actor, page) | {"import_id": import_id, "status": status}
    return templates.TemplateResponse(request, "imports.html", context)


@router.post("/imports", response_class=HTMLResponse)
def upload_form(
    request: Request,
    csrf: Annotated[str, Form(alias="csrf_token", max_length=128)] = "",
    file: Annotated[UploadFile | None, Form()] = None,
    patient: Annotated[str, Form(max_length=128)] = "",
    genome_build: Annotated[str, Form(max_length=32)] = "",
    tumor_sample: Annotated[str, Form(max_length=128)] = "",
    tumor_type: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Import an uploaded file (same service as the API); show located problems when refused."""
    engine = request.app.state.engine
    with unit_of_work(engine) as session:
        actor = session_actor(request, session)
        if uses_cookie(request):
            check_csrf(request, csrf)
    try:
        if file is None or not file.filename:
            raise InputError("choose a file to upload")
        options = ImportOptions(
            patient=patient.strip() or None,
            genome_build=parse_genome_build(genome_build) if genome_build.strip() else None,
            tumor_sample=tumor_sample.strip() or None,
            tumor_type=tumor_type.strip() or None,
        )
        # Its own unit of work: a refused file is rolled back before the page is drawn.
        with unit_of_work(engine) as session:
            report = import_upload(
                session=session,
                access=ingest_service.authorize_import(session, actor, file.filename),
                settings=request.app.state.settings,
                stream=file.file,
                filename=file.filename,
                options=options,
            )
    except AccessError:
        raise
    except (OncoBoardError, ValidationError) as error:
        return _refused(request, actor, error, file.filename if file else None)
    return RedirectResponse(
        f"/imports?{urlencode({'import_id': report.import_id, 'status': report.status})}",
        status_code=303,
    )


def _refused(
    request: Request, actor: Actor, error: Exception, filename: str | None
) -> HTMLResponse:
    status = 422
    if isinstance(error, OncoBoardError):
        status = status_for(error)
    problems = error.problems if isinstance(error, InputError) else []
    with unit_of_work(request.app.state.engine) as session:
        context = _ledger(session, actor, 1)
    context |= {
        "error": str(error.args[0]) if error.args else str(error),
        "problems": problems[:500],
        "problem_count": len(problems),
        "filename": filename,
        "import_id": None,
        "status": None,
    }
    return templates.TemplateResponse(request, "imports.html", context, status_code=status)


def _ledger(session: Session, actor: Actor, page: int) -> dict[str, Any]:
    access = gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj="import ledger",
    )
    total = ingest_service.count_imports(session=session, access=access)
    items = ingest_service.list_imports(
        session=session,
        access=access,
        limit=IMPORT_PAGE_SIZE,
        offset=(page - 1) * IMPORT_PAGE_SIZE,
    )
    return {
        "imports": items,
        "total": total,
        "page": page,
        "pages": _pages(total, IMPORT_PAGE_SIZE),
    }


def _not_found(request: Request, error: NotFound) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "error.html", {"title": "Not found", "message": str(error)}, status_code=404
    )


def mount_web(app: FastAPI) -> None:
    """The web shell: static files, error pages, the offline API docs and every page router."""
    from oncoboard.actionability.cohort.web import router as screening_pages
    from oncoboard.dosing.web import router as dosing_pages
    from oncoboard.federation.web import router as federation_pages
    from oncoboard.governance.web import router as governance_pages
    from oncoboard.knowledge.web import router as knowledge_pages
    from oncoboard.monitoring.web import router as monitoring_pages
    from oncoboard.portal.web import router as portal_pages
    from oncoboard.prediction.web import router as prediction_pages
    from oncoboard.traceability.web import router as celltherapy_pages
    from oncoboard.trials.web import router as trials_pages
    from oncoboard.web import docs, errors, pages

    template_helpers.register(
        globals={
            "sorts": SORTS,
            "csrf_token": csrf_token,
            "menu_for": navigation.pages_for,
            "is_current": navigation.is_current,
            "roles_label": navigation.roles_text,
        },
        filters={"describe": describe, "stage": stage_text},
    )
    docs.mount(app)  # before /static: its assets live under /static/api-docs
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.state.html_errors = errors.html_error
    app.state.html_http_errors = errors.html_http_error
    app.include_router(pages.router)
    app.include_router(router)
    app.include_router(portal_pages)
    app.include_router(governance_pages)
    app.include_router(knowledge_pages, dependencies=[CareTeamOnly])
    app.include_router(screening_pages)
    app.include_router(trials_pages, dependencies=[CareTeamOnly])
    app.include_router(dosing_pages, dependencies=[CareTeamOnly])
    app.include_router(monitoring_pages)
    app.include_router(prediction_pages)
    app.include_router(celltherapy_pages)
    app.include_router(federation_pages)
