# SPDX-License-Identifier: Apache-2.0
"""``oncoboard pgx import|show``: germline pharmacogenomic results in, phenotypes and advice out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from oncoboard.edge.cli_context import cli_context
from oncoboard.edge.cli_output import console, emit_json
from oncoboard.governance.cli_access import authorized
from oncoboard.governance.vocabulary import Action
from oncoboard.ingest import service as ingest_service
from oncoboard.ingest.schemas import ImportOptions, SourceFile
from oncoboard.pharmacogenomics import service
from oncoboard.store.db import unit_of_work

pgx_app = typer.Typer(
    help="Pharmacogenomics: import germline results, show phenotypes and dosing advice.",
    no_args_is_help=True,
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
FORMATS: dict[str, str] = {"vcf": "pgx-vcf", "csv": "pgx-csv"}


@pgx_app.command("import")
def import_results(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="germline VCF (GRCh38) or lab results CSV")],
    patient: Annotated[
        str | None, typer.Option("--patient", help="whose results (required for a VCF)")
    ] = None,
    kind: Annotated[
        Literal["vcf", "csv"] | None,
        typer.Option("--format", help="vcf | csv (default: from the file name)"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import germline PGx results all-or-nothing; the same file again changes nothing."""
    chosen = kind or ("csv" if path.name.lower().endswith(".csv") else "vcf")
    context = cli_context(ctx)
    source = SourceFile.from_path(path)
    with unit_of_work(context.engine) as session:
        access = ingest_service.authorize_import(session, context.actor(session), source.name)
        report = ingest_service.import_as(
            session=session,
            access=access,
            source=source,
            options=ImportOptions(patient=patient),
            limits=context.settings.ingest_limits(),
            source_format=FORMATS[chosen],
        )
    if as_json:
        emit_json(report.model_dump(mode="json"))
        return
    console.print(f"{source.name}: {report.status}; {report.fact_counts}", markup=False)
    for note in report.notes:
        console.print(f"  {note}", markup=False)


@pgx_app.command("show")
def show(ctx: typer.Context, patient: str, as_json: JsonOpt = False) -> None:
    """Show a patient's pharmacogene phenotypes and the starting-dose advice per drug."""
    context = cli_context(ctx)
    with authorized(context, Action.VIEW_RECORD, "pharmacogenomic profile", patient_id=patient) as (
        session,
        access,
    ):
        profile = service.profile(session=session, access=access)
    if as_json:
        emit_json(profile.model_dump(mode="json"))
        return
    console.print(f"Pharmacogenomics for {patient} ({profile.table_version})", style="bold",
                  markup=False)  # fmt: skip
    for gene in profile.genes:
        score = (
            f", activity score {gene.activity_score:g}" if gene.activity_score is not None else ""
        )
        console.print(
            f"  {gene.gene} {gene.diplotype or ''}: {gene.phenotype}{score}", markup=False
        )
        for note in gene.notes:
            console.print(f"    {note}", markup=False)
    for advice in profile.advice:
        console.print(f"{advice.drug}: {advice.action} — {advice.text}", markup=False)
    console.print(profile.attribution, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(pgx_app, name="pgx")
