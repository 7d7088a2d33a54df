# SPDX-License-Identifier: Apache-2.0
"""Report routes: the API (JSON, FHIR) and the web page where the board records decisions."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from oncoboard.actionability.service import propose_new
from oncoboard.edge.deps import SessionDep
from oncoboard.edge.problems import problem_responses
from oncoboard.edge.templates import templates
from oncoboard.errors import NotFound
from oncoboard.governance import decisions, gate
from oncoboard.governance.decisions import ReviewedRecommendation
from oncoboard.governance.gate import Access
from oncoboard.governance.http import ActorDep
from oncoboard.governance.vocabulary import Action, Purpose, allowed_purposes
from oncoboard.governance.web import decide_from_form
from oncoboard.report import service
from oncoboard.report.output import MEDIA_TYPES, render
from oncoboard.report.render_fhir import bundle, validate
from oncoboard.report.schemas import Format, Report

api = APIRouter(tags=["reports"])
pages = APIRouter(include_in_schema=False)
KbQuery = Annotated[
    list[str] | None,
    Query(max_length=128, description="KB release ids (repeat); default every stored release"),
]
GeneLevel = Annotated[
    bool, Query(description="Include gene-level ('any mutation') evidence, low specificity")
]
IncludeFiltered = Annotated[
    bool, Query(description="Include variant calls whose FILTER is not PASS (flagged)")
]


class FhirBundle(BaseModel):
    """A FHIR R4 Bundle (Genomics Reporting IG), validated with fhir.resources R4B."""

    model_config = ConfigDict(extra="allow")
    resourceType: str
    id: str
    type: str
    timestamp: str
    entry: list[dict[str, Any]]


@api.get(
    "/patients/{patient_id}/report",
    response_model=Report,
    responses=problem_responses(401, 403, 404, 422),
)
def report_json(
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    kb: KbQuery = None,
    gene_level: GeneLevel = False,
    include_filtered: IncludeFiltered = False,
) -> Report:
    """Get the tumour-board report for one patient against the selected KB releases."""
    access = service.authorize(session, actor, patient_id, "report json")
    gate.authorize_export(session, actor=actor, patient_id=patient_id, obj="report json")
    return service.build_report(
        session, access=access, kb=kb, gene_level=gene_level, include_filtered=include_filtered
    )


@api.get(
    "/patients/{patient_id}/report/fhir",
    response_model=FhirBundle,
    responses=problem_responses(401, 403, 404, 422),
)
def report_fhir(
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    kb: KbQuery = None,
    gene_level: GeneLevel = False,
    include_filtered: IncludeFiltered = False,
) -> FhirBundle:
    """Get the report as a FHIR R4 Bundle with a genomic-report DiagnosticReport."""
    access = service.authorize(session, actor, patient_id, "report fhir")
    gate.authorize_export(session, actor=actor, patient_id=patient_id, obj="report fhir")
    data = bundle(
        service.build_report(
            session, access=access, kb=kb, gene_level=gene_level, include_filtered=include_filtered
        )
    )
    validate(data)
    return FhirBundle.model_validate(data)


def _query(kb: list[str] | None, gene_level: bool, include_filtered: bool = False) -> str:
    params: list[tuple[str, str]] = [("kb", k) for k in kb or []]
    if gene_level:
        params.append(("gene_level", "true"))
    if include_filtered:
        params.append(("include_filtered", "true"))
    return "?" + urlencode(params) if params else "?"


def _board(session: Session, access: Access, report: Report) -> list[ReviewedRecommendation]:
    statements = {r.statement for r in report.recommendations}
    stored = decisions.list_for_patient(session, access=access)
    return [item for item in stored if item.recommendation.statement in statements]


@pages.get("/patients/{patient_id}/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    kb: KbQuery = None,
    gene_level: GeneLevel = False,
    include_filtered: IncludeFiltered = False,
) -> HTMLResponse:
    """The report with the board's decision forms for its proposed recommendations."""
    access = service.authorize(session, actor, patient_id, "report page")
    report = service.build_report(
        session, access=access, kb=kb, gene_level=gene_level, include_filtered=include_filtered
    )
    context = {
        "report": report,
        "available": service.release_ids(session, None),
        "selected": [r.release_id for r in report.releases],
        "query": _query(kb, gene_level, include_filtered),
        "board": _board(session, access, report),
        "can_propose": bool(allowed_purposes(actor.roles, Action.EDIT_RECORD)),
        "can_decide": bool(allowed_purposes(actor.roles, Action.DECIDE)),
    }
    return templates.TemplateResponse(request, "report.html", context)


@pages.get("/patients/{patient_id}/report/download")
def report_download(
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    format: Format = "pdf",
    kb: KbQuery = None,
    gene_level: GeneLevel = False,
    include_filtered: IncludeFiltered = False,
) -> Response:
    """The report as a file named ``<patient>.oncoboard.<build>.<kind>.<ext>``."""
    access = service.authorize(session, actor, patient_id, f"report {format}")
    gate.authorize_export(session, actor=actor, patient_id=patient_id, obj=f"report {format}")
    report = service.build_report(
        session, access=access, kb=kb, gene_level=gene_level, include_filtered=include_filtered
    )
    name = service.file_name(report, format)
    return Response(
        render(report, format),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _report_url(patient_id: str, query: str, anchor: str = "board") -> str:
    query = query if query.startswith("?") and "\n" not in query else "?"
    return f"/patients/{quote(patient_id, safe='')}/report{query}#{anchor}"


@pages.post("/patients/{patient_id}/report/propose")
def propose(
    patient_id: str,
    actor: ActorDep,
    session: SessionDep,
    kb: Annotated[list[str] | None, Form(max_length=128)] = None,
    gene_level: Annotated[bool, Form()] = False,
) -> Response:
    """Store this report's recommendations as proposed (once each) for the board to decide."""
    edit = gate.authorize(
        session,
        actor=actor,
        action=Action.EDIT_RECORD,
        purpose=Purpose.TREATMENT,
        obj="report recommendations",
        patient_id=patient_id,
    )
    view = service.authorize(session, actor, patient_id, "report propose")
    runs = service.assess_all(
        session, access=view, releases=service.release_ids(session, kb), gene_level=gene_level
    )
    propose_new(session, access=edit, proposed=service.merged_recommendations(patient_id, runs))
    return RedirectResponse(_report_url(patient_id, _query(kb, gene_level)), status_code=303)


@pages.post("/patients/{patient_id}/report/recommendations/{recommendation_id}/decision")
def decide(
    request: Request,
    patient_id: str,
    recommendation_id: str,
    actor: ActorDep,
    session: SessionDep,
    outcome: Annotated[str, Form(pattern="^(accept|modify|reject)$")],
    reason: Annotated[str, Form(max_length=4000)] = "",
    modification: Annotated[str, Form(max_length=4000)] = "",
    back: Annotated[str, Form(max_length=2000)] = "?",
) -> Response:
    """The board's decision from the report page (governance decisions: immutable, audited)."""
    access = decisions.authorize_decision(session, actor, recommendation_id)
    if access.patient_id != patient_id:
        raise NotFound(f"patient {patient_id!r} has no recommendation {recommendation_id!r}")
    target = _report_url(patient_id, back, f"rec-{recommendation_id}")
    return decide_from_form(
        request,
        session,
        access=access,
        recommendation_id=recommendation_id,
        form=(outcome, reason, modification),
        target=target,
    )
