# SPDX-License-Identifier: Apache-2.0
"""``oncoboard actionability screen``: cohort screening for research, through the gate."""

from __future__ import annotations

from typing import Annotated

import typer

from oncoboard.actionability.cohort.schemas import ScreenQuery, ScreenResult
from oncoboard.edge.cli_context import cli_context
from oncoboard.edge.cli_output import console, emit_json
from oncoboard.store.db import unit_of_work

actionability_app = typer.Typer(
    help="Actionability across patients: cohort screening (research use).", no_args_is_help=True
)


@actionability_app.command("screen")
def screen(
    ctx: typer.Context,
    drug: Annotated[str | None, typer.Option("--drug", help="Therapy, alone or in a combination")] = None,
    gene: Annotated[str | None, typer.Option("--gene", help="HGNC symbol the rule requires altered")] = None,
    alteration: Annotated[str | None, typer.Option("--alteration", help="With --gene: V600E, amplification …")] = None,
    tumor_type: Annotated[str | None, typer.Option("--tumor-type", help="OncoTree code (descendants included)")] = None,
    kb: Annotated[list[str] | None, typer.Option("--kb", help="KB release id (repeatable); default: all stored")] = None,
    gene_level: Annotated[bool, typer.Option("--gene-level", help="Evaluate gene-level rules (low specificity)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:  # fmt: skip
    """Which consented patients have a matching alteration for a drug or biomarker (research)."""
    query = ScreenQuery(
        drug=drug,
        gene=gene,
        alteration=alteration,
        tumor_type=tumor_type,
        releases=tuple(kb or ()),
        gene_level=gene_level,
    )
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        from oncoboard.actionability.cohort import screening  # heavy: only when screening

        access = screening.authorize(session, context.actor(session), query)
        result = screening.screen(session=session, access=access, query=query)
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    _print(result)


def _print(result: ScreenResult) -> None:
    console.print(
        f"screen ({result.query.describe()}): {result.assertions} assertion(s); "
        f"{result.patients_matched} of {result.patients_screened} patients with research "
        f"consent match, {result.patients_with_option} with an option ({result.seconds:.2f} s)",
        markup=False,
    )
    for patient in result.patients:
        types = ",".join(patient.tumor_types) or "no tumour type"
        console.print(f"{patient.patient_id} ({types})", markup=False)
        for match in patient.matches:
            label = "on-label" if match.on_label else "off-label"
            console.print(
                f"  {match.bucket}\t{match.therapy or '-'}\t{match.alteration}\t{match.amp}, "
                f"ESCAT {match.escat}, {label}\t{match.source_level}\t{match.assertion_id}",
                markup=False,
            )
    for reason, count in result.not_evaluated.items():
        console.print(f"not evaluated: {count} assertion(s): {reason}", markup=False)
    for kind, count in result.patients_without.items():
        if count:
            console.print(f"{count} patient(s) have no {kind} calls", markup=False)
    for release in result.releases:
        if release.notice:
            console.print(f"notice ({release.release_id}): {release.notice}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(actionability_app, name="actionability")
