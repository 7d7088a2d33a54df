# SPDX-License-Identifier: Apache-2.0
"""``oncoboard trials import|show|match|feasibility``: the trial registry and screening, gated."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from oncoboard.edge.cli_context import cli_context
from oncoboard.edge.cli_output import console, emit_json
from oncoboard.governance import gate
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.store.db import unit_of_work
from oncoboard.trials import service
from oncoboard.trials.ranking.cli import rank_pools_command
from oncoboard.trials.schemas import CriterionResult, TrialMatch

app = typer.Typer(
    help="Clinical-trial registry: import, show, match a patient, feasibility.",
    no_args_is_help=True,
)
app.command("rank-pools")(rank_pools_command)  # offline pool ranking: trials/ranking/cli.py
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
_MARK = {"met": "+", "not_met": "x", "unknown": "?", "needs_review": "~"}


@app.command("import")
def import_file(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CT.gov API v2 study JSON or search page")],
    as_json: JsonOpt = False,
) -> None:
    """Import studies, all or nothing; the same version again changes nothing."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = service.authorize_import(session, context.actor(session), path.name)
        report = service.import_trials(
            session=session, access=access, data=path.read_bytes(), source_name=path.name
        )
    if as_json:
        emit_json(report.model_dump(mode="json"))
        return
    for item in report.items:
        before = f" (was {item.previous_version})" if item.previous_version else ""
        console.print(
            f"{item.outcome}\t{item.nct_id}\tversion {item.version}{before}", markup=False
        )


@app.command("show")
def show(ctx: typer.Context, nct_id: str, as_json: JsonOpt = False) -> None:
    """Show a trial: identity, versions and each criterion with its structured constraints."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = service.authorize_read(session, context.actor(session), f"show {nct_id}")
        detail = service.get_trial(session=session, access=access, nct_id=nct_id)
    if as_json:
        emit_json(detail.model_dump(mode="json"))
        return
    trial = detail.trial
    console.print(f"{trial.nct_id} version {trial.version}: {trial.brief_title}", markup=False)
    console.print(f"  {trial.overall_status} {', '.join(trial.phases)}; history: "
                  + ", ".join(v.version for v in detail.history), markup=False)  # fmt: skip
    for c in detail.criteria:
        kinds = ", ".join(s.constraint.type for s in c.constraints) or "needs review"
        console.print(f"  {c.id:6} [{kinds}] {c.text[:110]}", markup=False)


@app.command("match")
def match(
    ctx: typer.Context,
    patient_id: str,
    propose: Annotated[bool, typer.Option("--propose", help="Store as recommendations")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Rank every registry trial for one patient, criterion by criterion."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        actor = context.actor(session)
        access = gate.authorize(
            session, actor=actor, action=Action.VIEW_RECORD, purpose=Purpose.TREATMENT,
            obj="trial matching", patient_id=patient_id,
        )  # fmt: skip
        edit = None
        if propose:
            edit = gate.authorize(
                session, actor=actor, action=Action.EDIT_RECORD, purpose=Purpose.TREATMENT,
                obj="trial recommendations", patient_id=patient_id,
            )  # fmt: skip
        result = service.match_patient(session=session, access=access, propose_with=edit)
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    for rank, m in enumerate(result.matches, start=1):
        _print_match(rank, m)
    if result.recommendation_ids:
        console.print(f"proposed {len(result.recommendation_ids)} recommendation(s)")


def _print_match(rank: int, m: TrialMatch) -> None:
    why = f" (by {', '.join(m.excluded_by)})" if m.excluded_by else ""
    why += f" (fits {', '.join(m.cohorts_fitting)})" if m.cohorts_fitting else ""
    console.print(
        f"{rank}. {m.nct_id} {m.verdict.value}{why}: {m.met} met, {m.unknown} unknown, "
        f"{m.needs_review} need review — {m.brief_title}",
        markup=False,
    )
    for c in m.criteria:
        if c.results:
            _print_criterion(c)


def _print_criterion(c: CriterionResult) -> None:
    console.print(f"   {_MARK[c.state.value]} {c.criterion_id}: {c.reason[:140]}", markup=False)


@app.command("feasibility")
def feasibility(ctx: typer.Context, nct_id: str, as_json: JsonOpt = False) -> None:
    """Patients with research consent who may be eligible, with their open criteria."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        actor = context.actor(session)
        access = gate.authorize(
            session, actor=actor, action=Action.VIEW_RECORD, purpose=Purpose.RESEARCH,
            obj=f"trial feasibility {nct_id}",
        )  # fmt: skip
        result = service.feasibility(session=session, access=access, actor=actor, nct_id=nct_id)
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    console.print(
        f"{result.nct_id} version {result.version}: {len(result.possibly_eligible)} of "
        f"{result.screened} patients may be eligible",
        markup=False,
    )
    for p in result.possibly_eligible:
        open_ids = ", ".join(c.criterion_id for c in p.open_criteria)
        console.print(f"  {p.patient_id}\t{p.verdict.value}\topen: {open_ids}", markup=False)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="trials")
