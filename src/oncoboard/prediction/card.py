# SPDX-License-Identifier: Apache-2.0
"""The model card (Mitchell et al., "Model Cards for Model Reporting", FAT* 2019,
doi:10.1145/3287560.3287596): model details, intended use, factors, metrics, evaluation and
training data, quantitative analyses (subgroups), ethical considerations, caveats, and the
version history with the change-control plan. JSON, HTML (plots inline) and PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from oncoboard.prediction import pccp, plots
from oncoboard.prediction.engine import LoadedModel
from oncoboard.prediction.models import ModelEventRow, ModelVersionRow
from oncoboard.prediction.validation import subgroup_summary

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"


def card_data(
    row: ModelVersionRow, loaded: LoadedModel, history: list[ModelEventRow]
) -> dict[str, Any]:
    art = loaded.artefact
    plan = pccp.plan_for(row.plan_id)
    return {
        "model_details": {
            "id": row.id,
            "name": row.name,
            "version": row.version,
            "kind": row.kind,
            "title": row.title,
            "status": row.status,
            "artefact_sha256": row.artefact_sha256,
            "code_version": row.code_version,
            "hyperparameters": art["spec"]["hyperparameters"],
            "features": list(loaded.model.features),
            "created_by": row.created_by,
            "created_at": row.created_at.isoformat(),
            "promoted_by": row.promoted_by,
        },
        "intended_use": {
            "primary": art["spec"]["intended_use"],
            "out_of_scope": art["spec"]["out_of_scope"],
        },
        "factors": list(art["spec"]["subgroups"]),
        "training_data": art["training_data"],
        "evaluation_data": {
            "holdout": f"{art['training_data']['n_holdout']} patients sequestered "
            "from the same cohort",
            "external": art["external_data"],
        },
        "metrics": art["validation"],
        "subgroup_summary": subgroup_summary(
            art["validation"]["subgroups"],
            overall_c=art["validation"]["holdout"]["harrell_c"]["value"],
        ),
        "change_control_plan": plan.model_dump(mode="json"),
        "plan_check": row.plan_check,
        "ethical_considerations": (
            "Trained on a US registry extract (SEER 2006-2010); race is recorded as White, Black "
            "or Other only, and subgroups with few deaths cannot be assessed. The data carry no "
            "treatment: a prediction says nothing about the effect of a therapy."
        ),
        "caveats": [
            "External validation on GBSG2 measures recurrence-free survival, not overall "
            "survival: discrimination transfers, absolute risks are not comparable.",
            "GBSG2 receptor status was dichotomised at 10 fmol (see docs/models.md).",
            "Within a stage subgroup the C-index is lower by construction (stage itself is a "
            "strong predictor); gap flags there are expected, not a defect of the model.",
            "Intervals are the spread over bootstrap refits (estimation uncertainty), not the "
            "spread of individual outcomes.",
        ],
        "version_history": [
            {
                "model": e.model_id,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "event": e.event,
                "detail": e.detail,
            }
            for e in history
        ],
    }


def card_html(data: dict[str, Any], *, standalone: bool = True) -> str:
    m = data["metrics"]
    plot_cal = plots.calibration_plot(
        m["holdout"]["calibration_groups"], horizon=m["horizon_years"], prefix="card-cal"
    )
    rows = m["subgroups"]
    plot_sub = plots.interval_plot(
        [f"{r['variable']}: {r['level']}" for r in rows],
        [
            None
            if r["harrell_c"] is None
            else (r["harrell_c"]["value"], r["harrell_c"]["low"], r["harrell_c"]["high"])
            for r in rows
        ],
        reference=m["holdout"]["harrell_c"]["value"],
        title="Harrell's C per subgroup (hold-out)",
        xlabel="Harrell's C with 95% interval",
        prefix="card-sub",
    )
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape())
    return env.get_template("model_card_body.html").render(
        card=data, plot_cal=plot_cal, plot_sub=plot_sub, standalone=standalone
    )


def card_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())
