# SPDX-License-Identifier: Apache-2.0
"""``oncoboard dose propose|rules|history|starting``: label-based dose proposals, through the gate."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from pydantic import ValidationError
from rich.table import Table

from oncoboard.dosing import engine, genotype, service
from oncoboard.dosing.schemas import GRADE_EXPECTED, DoseProposalIn, DrugRules
from oncoboard.edge.cli_context import cli_context
from oncoboard.edge.cli_output import console, emit_json
from oncoboard.errors import InputError, Problem
from oncoboard.governance.cli_access import authorized
from oncoboard.governance.vocabulary import Action

dose_app = typer.Typer(
    help="Label-based dose-modification proposals (a clinician decides).", no_args_is_help=True
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
OPTIONS = {"drug": "--drug", "ae": "--ae", "grade": "--grade", "indication": "--indication",
           "current_level": "--level", "grade_source": "--source"}  # fmt: skip
SOURCES: dict[str, Literal["clinician", "patient_reported"]] = {
    "clinician": "clinician",
    "patient-reported": "patient_reported",
}


@dose_app.command("propose")
def propose(
    ctx: typer.Context,
    patient: str,
    drug: Annotated[str, typer.Option("--drug", help=" | ".join(engine.DRUGS))],
    ae: Annotated[str, typer.Option("--ae", help="CTCAE v5.0 term, MedDRA code or alias")],
    grade: Annotated[str, typer.Option("--grade", help="CTCAE grade: a whole number 1-4")],
    indication: Annotated[
        str | None, typer.Option("--indication", help="dose-level set (see dose rules DRUG)")
    ] = None,
    level: Annotated[
        int | None, typer.Option("--level", max=0, help="current level (default: last approved)")
    ] = None,
    source: Annotated[
        str, typer.Option("--source", help="who graded it: clinician | patient-reported")
    ] = "clinician",
    as_json: JsonOpt = False,
) -> None:
    """Propose a dose change for a graded adverse event; it waits for a clinician's decision."""
    if source not in SOURCES:
        raise typer.BadParameter(f"--source must be one of {', '.join(SOURCES)}")
    proposal_in = _proposal_in(
        drug=drug,
        ae=ae,
        grade=grade,
        indication=indication,
        current_level=level,
        grade_source=SOURCES[source],
    )
    context = cli_context(ctx)
    with authorized(context, Action.EDIT_RECORD, f"dose proposal {drug}", patient_id=patient) as (
        session,
        access,
    ):
        out = service.propose_dose_change(session, access=access, proposal_in=proposal_in)
    if as_json:
        emit_json(out.model_dump(mode="json"))
        return
    p = out.proposal
    console.print(p.statement, style="bold", markup=False)
    console.print(f"recommendation {out.recommendation_id} (proposed; not applied)", markup=False)
    console.print(f"rule {p.rule_id} ({p.rules_version}, {p.verification})", markup=False)
    console.print(f"citation: {p.citation} [{', '.join(p.sources)}]", markup=False)
    for alternative in p.alternatives:
        console.print(f"alternative: {alternative}", markup=False)
    for limitation in p.limitations:
        console.print(f"limitation: {limitation}", markup=False)
    if out.pharmacogenomics is not None:
        console.print(f"genotype: {out.pharmacogenomics.text}", markup=False)


def _proposal_in(**values: object) -> DoseProposalIn:
    """The options as a request; a bad value is an InputError naming its option (exit 3)."""
    try:
        return DoseProposalIn.model_validate(values)
    except ValidationError as error:
        problems = [
            Problem(
                source="dose propose",
                locator="command line",
                field=OPTIONS.get(str(e["loc"][0]), str(e["loc"][0])) if e["loc"] else "options",
                value=str(e.get("input", "")),
                expected=GRADE_EXPECTED
                if e["loc"] and e["loc"][0] == "grade"
                else str(e["msg"]).removeprefix("Value error, "),
            )
            for e in error.errors()
        ]
        names = ", ".join(p.field for p in problems)
        raise InputError(f"invalid {names}", problems=problems) from None


@dose_app.command("rules")
def show_rules(
    ctx: typer.Context,
    drug: Annotated[str | None, typer.Argument(help=" | ".join(engine.DRUGS))] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a drug's rule table (or list the drugs that have one)."""
    context = cli_context(ctx)
    with authorized(context, Action.VIEW_RECORD, f"dose rule table {drug or 'list'}") as (
        _session,
        access,
    ):
        tables = [service.rules(access=access, drug=d) for d in ([drug] if drug else engine.DRUGS)]
    if as_json:
        emit_json([t.model_dump(mode="json") for t in tables])
        return
    for table in tables:
        _print_table(table, full=drug is not None)


def _print_table(table: DrugRules, *, full: bool) -> None:
    console.print(f"{table.drug} ({', '.join(table.brands)}) {table.version}", style="bold",
                  markup=False)  # fmt: skip
    console.print(f"label: {table.label}; revision: {table.label_revision}", markup=False)
    for indication in table.indications:
        levels = ", ".join(f"{lv.level}: {lv.dose}" for lv in indication.levels)
        console.print(f"  indication {indication.id}: {levels}", markup=False)
    if not full:
        return
    grid = Table()
    for column in ("rule", "AE", "grade", "occurrence", "action", "hold until", "resume", "status"):
        grid.add_column(column)
    for rule in table.rules:
        ae = "any" if rule.ae == "any" else (rule.ae_label or "; ".join(rule.ae))
        occurrence = f"{rule.occurrence_min}-{rule.occurrence_max or '…'}"
        hold = f"≤G{rule.hold_until_grade}" if rule.hold_until_grade is not None else ""
        grid.add_row(rule.id, ae, f"{rule.grade_min}-{rule.grade_max}", occurrence,
                     rule.action.value, hold or (rule.resume_when or ""),
                     str(rule.resume if rule.resume is not None else ""), rule.verification)  # fmt: skip
    console.print(grid)
    for item in table.unconfirmed:
        console.print(f"unconfirmed: {item}", markup=False)


@dose_app.command("history")
def history(ctx: typer.Context, patient: str, as_json: JsonOpt = False) -> None:
    """Show a patient's dose proposals and the approved dose changes."""
    context = cli_context(ctx)
    with authorized(context, Action.VIEW_RECORD, "dose history", patient_id=patient) as (
        session,
        access,
    ):
        found = service.dose_history(session, access=access)
    if as_json:
        emit_json(found.model_dump(mode="json"))
        return
    console.print(f"Dose proposals for {found.patient_id}", style="bold", markup=False)
    for p in found.proposals:
        console.print(f"  {p.created_at:%Y-%m-%d} {p.drug} {p.ae_term} G{p.grade} "
                      f"({p.grade_source}): {p.action.value} → {p.next_dose or '—'} [{p.status}]",
                      markup=False)  # fmt: skip
    console.print("Approved dose changes", style="bold", markup=False)
    for c in found.changes:
        console.print(f"  {c.decided_at:%Y-%m-%d} {c.treatment}: {c.dose} ({c.outcome} by "
                      f"{c.decided_by}; {c.ae_term} G{c.grade})", markup=False)  # fmt: skip


@dose_app.command("starting")
def starting(ctx: typer.Context, patient: str, as_json: JsonOpt = False) -> None:
    """Show genotype-guided starting doses (DPYD, TPMT/NUDT15, UGT1A1); drugs on record first."""
    context = cli_context(ctx)
    with authorized(
        context, Action.VIEW_RECORD, "genotype-guided starting doses", patient_id=patient
    ) as (session, access):
        found = genotype.starting_doses(session, access=access)
    if as_json:
        emit_json([s.model_dump(mode="json") for s in found])
        return
    console.print(f"Genotype-guided starting doses for {patient}", style="bold", markup=False)
    for item in found:
        a = item.advice
        genes = "; ".join(f"{g.gene} {g.diplotype or ''} {g.phenotype}" for g in a.genes)
        given = f" [on record: {', '.join(item.treatments)}]" if item.on_record else ""
        console.print(f"{item.drug}{given}: {a.action} — {a.dose_text}", style="bold",
                      markup=False)  # fmt: skip
        console.print(f"  {genes}", markup=False)
        console.print(f"  {a.text}", markup=False)
        for dose in item.label_doses:
            console.print(f"  label start ({dose.indication}): {dose.label_dose}"
                          f"{' → ' + dose.genotype_dose if dose.genotype_dose else ''}",
                          markup=False)  # fmt: skip
        for warning in a.warnings:
            console.print(f"  warning: {warning}", markup=False)
        console.print(f"  sources: {'; '.join(a.citations)}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(dose_app, name="dose")
