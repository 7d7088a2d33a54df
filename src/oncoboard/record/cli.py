# SPDX-License-Identifier: Apache-2.0
"""``oncoboard patients list|show``.

The database, the gate and the record service are imported when a command runs, so that
``oncoboard patients --help`` starts without them (docs/benchmarks.md, CLI start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from oncoboard.edge.cli_context import cli_context
from oncoboard.edge.cli_output import console, emit_json
from oncoboard.governance.cli_access import authorized
from oncoboard.governance.vocabulary import Action

if TYPE_CHECKING:
    from oncoboard.record.schemas import PatientRecord

patients = typer.Typer(help="Browse patient records.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


@patients.command("list")
def list_patients(
    ctx: typer.Context,
    search: Annotated[str | None, typer.Option("--search", "-q")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonOpt = False,
) -> None:
    """List patients (paged)."""
    from oncoboard.record import service

    context = cli_context(ctx)
    with authorized(context, Action.VIEW_RECORD, "patient list") as (session, access):
        items, total = service.list_patients(
            session=session, access=access, search=search, limit=limit, offset=offset
        )
    if as_json:
        emit_json({"total": total, "items": [i.model_dump() for i in items]})
        return
    table = Table(title=f"Patients ({total})")
    for column in ("id", "name", "birth date", "sex", "primary cancer", "OncoTree", "facts"):
        table.add_column(column)
    for item in items:
        table.add_row(
            item.patient_id,
            item.name or "",
            item.birth_date or "",
            item.sex or "",
            item.primary_cancer or "",
            item.oncotree_code or "",
            str(item.fact_count),
        )
    console.print(table)


@patients.command("show")
def show_patient(
    ctx: typer.Context,
    patient_id: str,
    variant_limit: Annotated[int, typer.Option(min=1)] = 500,
    break_glass: Annotated[
        str | None,
        typer.Option("--break-glass", help="Emergency access despite an objection: the reason"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one patient's record with the source of every fact."""
    from oncoboard.record import service

    context = cli_context(ctx)
    with authorized(
        context,
        Action.VIEW_RECORD,
        "patient record",
        patient_id=patient_id,
        break_glass_reason=break_glass,
    ) as (session, access):
        record = service.get_patient_record(
            session=session, access=access, variant_limit=variant_limit
        )
    if as_json:
        emit_json(record.model_dump(mode="json"))
        return
    _print_record(record)


def _print_record(record: PatientRecord) -> None:
    from oncoboard.record.service import describe

    console.print(f"Patient {record.patient_id}", style="bold", markup=False)
    if record.genome_builds:
        console.print(f"Genome build: {', '.join(record.genome_builds)}", markup=False)
    sections = [
        ("Demographics", record.demographics),
        ("Conditions", record.conditions),
        ("Specimens", record.specimens),
        ("Copy number", record.copy_numbers),
        ("Fusions", record.fusions),
        ("Biomarkers", record.biomarkers),
        ("Performance status", record.performance_status),
        ("Treatments", record.treatments),
    ]
    for title, facts in sections:
        if not facts:
            continue
        console.print(f"\n{title}", style="bold underline", markup=False)
        for item in facts:
            console.print(
                f"  {describe(item.fact)}   [{item.provenance.source_name} "
                f"{item.provenance.locator}]",
                markup=False,
            )
    if record.variants:
        table = Table(title=f"Variants ({record.variant_total})")
        for column in ("gene", "HGVS c.", "HGVS p.", "consequence", "VAF", "depth", "source"):
            table.add_column(column)
        for item in record.variants:
            v = item.fact
            table.add_row(
                getattr(v, "gene", None) or "",
                getattr(v, "hgvs_c", None) or "",
                getattr(v, "hgvs_p", None) or "",
                getattr(v, "consequence", None) or "",
                _fmt(getattr(v, "vaf", None)),
                str(getattr(v, "depth", None) or ""),
                f"{item.provenance.source_name} {item.provenance.locator}",
            )
        console.print(table)
        shown = len(record.variants)
        if shown < record.variant_total:
            console.print(
                f"Showing the first {shown} of {record.variant_total} variants: "
                f"--variant-limit {record.variant_total} shows all, --json gives them as data.",
                style="bold",
                markup=False,
            )


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def register(app: typer.Typer) -> None:
    app.add_typer(patients, name="patients")
