# SPDX-License-Identifier: Apache-2.0
"""``oncoboard report PATIENT --format html|pdf|json|fhir``: the report as a file, via the gate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from oncoboard.edge.cli_context import cli_context
from oncoboard.edge.cli_output import console
from oncoboard.report.schemas import Format
from oncoboard.store.db import unit_of_work


def report(
    ctx: typer.Context,
    patient: Annotated[str, typer.Argument(help="Patient id")],
    fmt: Annotated[str, typer.Option("--format", help="html | pdf | json | fhir")] = "pdf",
    kb: Annotated[
        list[str] | None,
        typer.Option("--kb", help="KB release id (repeat); default every stored release"),
    ] = None,
    gene_level: Annotated[
        bool, typer.Option("--gene-level", help="Include gene-level evidence (low specificity)")
    ] = False,
    include_filtered: Annotated[
        bool,
        typer.Option("--include-filtered", help="Include calls whose FILTER is not PASS (flagged)"),
    ] = False,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the file into")] = Path("."),
) -> None:
    """Write the tumour-board report as <patient>.oncoboard.<build>.<kind>.<ext>."""
    # imported here: rendering pulls in the web templates, which `oncoboard import` never needs
    from oncoboard.governance import gate
    from oncoboard.report import service
    from oncoboard.report.output import render

    if fmt not in ("html", "pdf", "json", "fhir"):
        raise typer.BadParameter("choose html, pdf, json or fhir", param_hint="--format")
    chosen: Format = fmt  # type: ignore[assignment]
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        actor = context.actor(session)
        access = service.authorize(session, actor, patient, f"report {fmt}")
        gate.authorize_export(session, actor=actor, patient_id=patient, obj=f"report {fmt}")
        built = service.build_report(
            session,
            access=access,
            kb=kb,
            gene_level=gene_level,
            include_filtered=include_filtered,
        )
    data = render(built, chosen)
    out.mkdir(parents=True, exist_ok=True)
    target = out / service.file_name(built, chosen)
    target.write_bytes(data)
    console.print(f"wrote {target} ({len(data):,} bytes)", markup=False)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
