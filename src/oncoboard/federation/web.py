# SPDX-License-Identifier: Apache-2.0
"""The coordinator's page: ask the network a cohort question, see each site's answer and status,
and the sites' data catalogue (researchers; every view and query is audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from oncoboard.edge.deps import SessionDep, SettingsDep
from oncoboard.edge.templates import templates
from oncoboard.errors import InputError
from oncoboard.federation import coordinator
from oncoboard.federation.beacon import query_from_words
from oncoboard.federation.schemas import FederatedResult
from oncoboard.federation.terms import STAGE_GROUPS, TREATMENT_CLASSES
from oncoboard.governance.http import ActorDep

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Query(max_length=64)]


def _words(form: dict[str, str]) -> list[str]:
    """The page's fields as command-line filter words (one reader for CLI and page)."""
    words = []
    if form["tumor_type"]:
        words.append(f"oncotree:{form['tumor_type']}")
    if form["sex"]:
        words.append(f"sex:{form['sex']}")
    if form["age_min"] or form["age_max"]:
        words.append(f"age:{form['age_min']}-{form['age_max']}")
    if form["stage"]:
        words.append(f"stage:{form['stage']}")
    if form["treatment"]:
        words.append(f"treatment:{form['treatment']}")
    if form["gene"]:
        words.append(f"gene:{form['gene']}" + (f":{form['protein']}" if form["protein"] else ""))
    if form["allele"]:
        words.append(form["allele"])
    return words


@router.get("/federation", response_class=HTMLResponse)
def federation_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
    tumor_type: Text = "",
    sex: Text = "",
    age_min: Text = "",
    age_max: Text = "",
    stage: Text = "",
    treatment: Text = "",
    gene: Text = "",
    protein: Text = "",
    allele: Text = "",
    variants: bool = False,
    run: bool = False,
) -> HTMLResponse:
    """The question form, the sites and their catalogue; the network's answer once asked."""
    form = {
        "tumor_type": tumor_type.strip(),
        "sex": sex,
        "age_min": age_min.strip(),
        "age_max": age_max.strip(),
        "stage": stage.strip(),
        "treatment": treatment,
        "gene": gene.strip(),
        "protein": protein.strip(),
        "allele": allele.strip(),
    }
    result: FederatedResult | None = None
    problems: list[str] = []
    try:
        cohort = query_from_words(_words(form))
    except InputError as error:
        problems = [str(p) for p in error.problems] or [str(error)]
        cohort = None
    described = cohort.describe() if cohort else "invalid question"
    access = coordinator.authorize_research(
        session, actor, f"federation page: {described}" if run else "federation page"
    )
    if run and cohort is not None:
        result = coordinator.query(
            session=session,
            access=access,
            cohort=cohort,
            entry_type="g_variants" if variants else "individuals",
            granularity="count",
            secret_key=settings.signing_secret(),
        )
    context = {
        "form": form,
        "variants": variants,
        "result": result,
        "problems": problems,
        "sites": coordinator.list_sites(session),
        "stages": STAGE_GROUPS,
        "classes": TREATMENT_CLASSES.values(),
    }
    status = 422 if problems else 200
    return templates.TemplateResponse(request, "federation.html", context, status_code=status)
