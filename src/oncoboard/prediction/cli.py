# SPDX-License-Identifier: Apache-2.0
"""``oncoboard models train|list|evaluate|card|promote|drift``: the model registry, gated."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from oncoboard.edge.cli_context import cli_context
from oncoboard.edge.cli_output import console, emit_json
from oncoboard.errors import InputError
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.prediction import pccp, service
from oncoboard.prediction.schemas import PromoteIn
from oncoboard.store.db import unit_of_work

models_app = typer.Typer(
    help="Learned models: registry, cards, change control, drift.", no_args_is_help=True
)
MIN_REASON = PromoteIn.model_fields["reason"].metadata[0].min_length
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def _access(session: Session, actor: Actor, action: Action, obj: str) -> Access:
    return gate.authorize(
        session,
        actor=actor,
        action=action,
        purpose=Purpose.OPERATIONS,
        obj=obj,
    )


def _spec_text(spec: str) -> tuple[str, str]:
    path = Path(spec)
    if path.exists():
        return path.read_text(encoding="utf-8"), str(path)
    bundled = resources.files("oncoboard.prediction.specs").joinpath(f"{spec}.json")
    if bundled.is_file():
        return bundled.read_text(encoding="utf-8"), f"bundled spec {spec}"
    raise InputError(f"training spec {spec!r}: no such file and no bundled spec of that name")


@models_app.command("train")
def train(ctx: typer.Context, spec: str, as_json: JsonOpt = False) -> None:
    """Train and validate a candidate from SPEC (a JSON file or a bundled spec name)."""
    text, source = _spec_text(spec)
    parsed = pccp.load_spec(text, source)
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = _access(
            session, context.actor(session), Action.TRAIN_MODELS, f"model train {parsed.name}"
        )
        out = service.train_model(session, access=access, spec=parsed)
    if as_json:
        emit_json(out.model_dump(mode="json"))
        return
    c = out.holdout_c
    console.print(
        f"{out.id}: {out.status.value}; hold-out C {c.value:.3f} ({c.low:.3f}-{c.high:.3f})",
        markup=False,
    )
    for clause in out.plan_check:
        console.print(
            f"  {'pass' if clause.passed else 'FAIL'} {clause.clause}: {clause.detail}",
            markup=False,
        )


@models_app.command("list")
def list_models(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List every model version with its status and hold-out C."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = _access(session, context.actor(session), Action.REVIEW_MODELS, "model registry")
        rows = service.list_models(session, access=access)
    if as_json:
        emit_json([r.model_dump(mode="json") for r in rows])
        return
    for r in rows:
        c = r.holdout_c
        console.print(
            f"{r.id}\t{r.status.value}\t{r.kind}\tC {c.value:.3f} ({c.low:.3f}-{c.high:.3f})"
            f"\t{r.artefact_sha256[:12]}",
            markup=False,
        )


@models_app.command("evaluate")
def evaluate(
    ctx: typer.Context,
    model: str,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", exists=True, dir_okay=False, help="CSV: features, time_years, event"
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Metrics with 95% intervals on labelled data (default: the stored hold-out)."""
    context = cli_context(ctx)
    payload = data.read_bytes() if data else None
    with unit_of_work(context.engine) as session:
        access = _access(
            session, context.actor(session), Action.TRAIN_MODELS, f"model evaluate {model}"
        )
        out = service.evaluate(
            session,
            access=access,
            model_id=model,
            data=payload,
            source=str(data) if data else "hold-out",
        )
    if as_json:
        emit_json(out.model_dump(mode="json"))
        return
    m = out.metrics
    console.print(f"{out.model_id} on {out.data}: n={m.n}, events={m.events}", markup=False)
    for name in (
        "harrell_c",
        "uno_c",
        "auc_at_horizon",
        "brier_at_horizon",
        "calibration_slope",
        "calibration_intercept",
    ):
        e = getattr(m, name)
        if e is not None:
            console.print(
                f"  {name}: {e.value:.3f} (95% CI {e.low:.3f}-{e.high:.3f})", markup=False
            )


@models_app.command("card")
def model_card(
    ctx: typer.Context,
    model: str,
    fmt: Annotated[str, typer.Option("--format", help="html | pdf | json")] = "html",
    out: Annotated[Path | None, typer.Option("--out", help="file to write")] = None,
) -> None:
    """Write the model card (Mitchell et al. 2019) as HTML, PDF or JSON."""
    from oncoboard.prediction import card

    service.refuse_unknown(fmt, ("html", "pdf", "json"), "--format")
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = _access(
            session, context.actor(session), Action.REVIEW_MODELS, f"model card {model}"
        )
        data = service.card(session, access=access, model_id=model)
    target = out or Path(f"{model.replace('@', '-v')}.model-card.{fmt}")
    if fmt == "json":
        import json

        target.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    elif fmt == "html":
        target.write_text(card.card_html(data), encoding="utf-8")
    else:
        target.write_bytes(card.card_pdf(card.card_html(data)))
    console.print(f"wrote {target}", markup=False)


@models_app.command("promote")
def promote(
    ctx: typer.Context,
    model: str,
    reason: Annotated[str, typer.Option("--reason", help="why (recorded in the audit trail)")],
) -> None:
    """Release a validated candidate (a quality officer who did not train it; refused outside
    its plan)."""
    if len(reason.strip()) < MIN_REASON:
        raise InputError(
            f"--reason {reason.strip()!r}: give the reason for the release in words "
            f"(at least {MIN_REASON} characters)"
        )
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = _access(session, context.actor(session), Action.PROMOTE_MODELS, f"model {model}")
        out = service.promote(session, access=access, model_id=model, reason=reason.strip())
    console.print(f"{out.id} released by {out.promoted_by}", markup=False)


@models_app.command("drift")
def drift(
    ctx: typer.Context,
    model: str,
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            exists=True,
            dir_okay=False,
            help="CSV: features [, time_years, event, window]",
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Feature drift (PSI, KS) and windowed performance; alerts go to the quality queue."""
    from oncoboard.prediction import drift_service

    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = _access(
            session, context.actor(session), Action.TRAIN_MODELS, f"model drift {model}"
        )
        out = drift_service.check_drift(
            session, access=access, model_id=model, data=data.read_bytes(), source=str(data)
        )
    if as_json:
        emit_json(out.model_dump(mode="json"))
        return
    for f in out.features:
        console.print(
            f"{f.feature}\tPSI {f.psi:.3f}\tKS {f.ks_statistic:.3f} (p={f.ks_p_value:g})\t{f.level}",
            markup=False,
        )
    for alert in out.alerts:
        console.print(f"ALERT {alert}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
