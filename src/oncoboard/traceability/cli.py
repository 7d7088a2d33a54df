# SPDX-License-Identifier: Apache-2.0
"""``oncoboard celltherapy …``: chain of identity from the command line, through the gate.

Exit codes beyond the shared ones: 9 when a hand-over was blocked (it is recorded and alerted)
and when ``verify`` finds a broken chain or signature.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr

from oncoboard.edge.cli_context import cli_context
from oncoboard.edge.cli_output import console, emit_json
from oncoboard.governance.cli_access import authorized
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.store.db import unit_of_work
from oncoboard.traceability import exports, reads, service
from oncoboard.traceability.config import load_config
from oncoboard.traceability.schemas import CaseIn, CaseLimits, CustodyStep, StepIn

BLOCKED_EXIT = 9
celltherapy_app = typer.Typer(
    help="Cell-therapy chain of identity: cases, scanned hand-overs, signed batch record.",
    no_args_is_help=True,
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


@celltherapy_app.command("open")
def open_case(
    ctx: typer.Context,
    patient: str,
    product: Annotated[str, typer.Option("--product", help="therapy / product name")],
    coi: Annotated[str | None, typer.Option("--coi", help="ISBT 128 CoI identifier")] = None,
    fin: Annotated[str | None, typer.Option("--fin", help="FIN issuing a new CoI")] = None,
    wristband: Annotated[str | None, typer.Option("--wristband", help="wristband id")] = None,
    limits: Annotated[
        Path | None,
        typer.Option("--limits", exists=True, dir_okay=False, help="JSON limits file"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Open the chain of identity of one patient's autologous product."""
    context = cli_context(ctx)
    case_limits = CaseLimits.model_validate_json(limits.read_text()) if limits else None
    case_in = CaseIn(product=product, coi=coi, issuing_fin=fin, wristband_id=wristband,
                     limits=case_limits)  # fmt: skip
    config = load_config(context.settings.celltherapy_config)
    with authorized(context, Action.EDIT_RECORD, "celltherapy: open case", patient_id=patient) as (
        session,
        access,
    ):
        out = service.open_case(session, access=access, case_in=case_in, config=config)
    if as_json:
        emit_json(out.model_dump(mode="json"))
        return
    console.print(f"opened {out.coi} for {out.patient_id} ({out.product})", markup=False)


@celltherapy_app.command("step")
def record_step(
    ctx: typer.Context,
    coi: str,
    step: Annotated[CustodyStep, typer.Argument(help="the hand-over")],
    scans: Annotated[list[str], typer.Option("--scan", help="a scanned label (repeat)")],
    location: Annotated[str, typer.Option("--location", help="where it happens")],
    at: Annotated[datetime | None, typer.Option("--at", help="when (default: now)")] = None,
    temp_min: Annotated[float | None, typer.Option("--temp-min", help="logger min °C")] = None,
    temp_max: Annotated[float | None, typer.Option("--temp-max", help="logger max °C")] = None,
    operation: Annotated[str | None, typer.Option("--operation")] = None,
    batch_lot: Annotated[str | None, typer.Option("--batch-lot")] = None,
    expires: Annotated[datetime | None, typer.Option("--expires", help="product expiry")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the signing password from stdin")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Scan-and-match one hand-over; signature steps (qc_release, infusion) ask for a password."""
    context = cli_context(ctx)
    password = None
    if step.value in ("qc_release", "infusion"):
        text = sys.stdin.readline().rstrip("\n") if password_stdin else typer.prompt(
            "password (electronic signature)", hide_input=True)  # fmt: skip
        password = SecretStr(text)
    step_in = StepIn(step=step, scans=scans, location=location, occurred_at=at,
                     temperature_min_c=temp_min, temperature_max_c=temp_max, operation=operation,
                     batch_lot=batch_lot, expires_at=expires, note=note, password=password)  # fmt: skip
    with unit_of_work(context.engine) as session:
        access = service.authorize_case(session, context.actor(session), coi, Action.EDIT_RECORD,
                                        step.value)  # fmt: skip
        out = service.record_step(session, access=access, coi=coi, step_in=step_in)
    if as_json:
        emit_json(out.model_dump(mode="json"))
    else:
        console.print(out.message, style="bold red" if out.outcome == "blocked" else "bold",
                      markup=False)  # fmt: skip
        for flag in out.flags:
            console.print(f"flag: {flag}", markup=False)
    if out.outcome == "blocked":
        raise typer.Exit(BLOCKED_EXIT)


@celltherapy_app.command("show")
def show(ctx: typer.Context, coi: str, as_json: JsonOpt = False) -> None:
    """Show a case's timeline of hand-overs, alerts and verification."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = service.authorize_case(session, context.actor(session), coi, Action.VIEW_RECORD,
                                        "timeline")  # fmt: skip
        detail = reads.case_detail(session, access=access, coi=coi)
    if as_json:
        emit_json(detail.model_dump(mode="json"))
        return
    s = detail.summary
    console.print(
        f"{s.coi} · {s.patient_id} · {s.product} · {s.status}", style="bold", markup=False
    )
    for e in detail.entries:
        sign = (
            f" [signed: {e.signature.printed_name}, {e.signature.meaning}]" if e.signature else ""
        )
        console.print(f"{e.seq:3d} {e.occurred_at} {e.step_label}: {e.outcome} by {e.actor_name}"
                      f" at {e.location or '-'}{sign}", markup=False)  # fmt: skip
        for flag in e.flags:
            console.print(f"      flag: {flag}", markup=False)
        if e.reason:
            console.print(f"      {e.reason}", markup=False)
    state = (
        "intact" if detail.verification.ok else "FAILED: " + "; ".join(detail.verification.problems)
    )
    console.print(f"batch record: {state}", markup=False)


@celltherapy_app.command("alerts")
def alerts(
    ctx: typer.Context,
    all_alerts: Annotated[bool, typer.Option("--all", help="acknowledged ones too")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List open chain-of-identity alerts (mismatches, excursions, expired products)."""
    context = cli_context(ctx)
    with authorized(context, Action.VIEW_RECORD, "celltherapy alerts") as (session, access):
        found = reads.list_alerts(session, access=access, status=None if all_alerts else "open")
    if as_json:
        emit_json([a.model_dump(mode="json") for a in found])
        return
    for a in found:
        console.print(f"#{a.id} {a.raised_at:%Y-%m-%d %H:%M} {a.coi} {a.patient_id} "
                      f"{a.kind.value} [{a.status}]: {a.message}", markup=False)  # fmt: skip


@celltherapy_app.command("ack")
def acknowledge(
    ctx: typer.Context,
    alert_id: int,
    note: Annotated[str, typer.Option("--note", help="what was done about it")],
) -> None:
    """Acknowledge an alert with what was done (the note joins the batch record)."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        coi = reads.alert_case(session, alert_id) or f"alert-{alert_id}"
        access = service.authorize_case(session, context.actor(session), coi, Action.EDIT_RECORD,
                                        f"acknowledge alert {alert_id}")  # fmt: skip
        out = reads.acknowledge_alert(session, access=access, alert_id=alert_id, note=note)
    console.print(f"alert #{out.id} acknowledged by {out.acknowledged_by}", markup=False)


@celltherapy_app.command("verify")
def verify(ctx: typer.Context, coi: str | None = None, as_json: JsonOpt = False) -> None:
    """Check every case's hash chain and Ed25519 signatures (exit 9 when any fails)."""
    context = cli_context(ctx)
    with authorized(
        context, Action.READ_AUDIT, "celltherapy batch records: verify", purpose=Purpose.OPERATIONS
    ) as (session, access):
        found = reads.verify(session, access=access, coi=coi)
    if as_json:
        emit_json([v.model_dump(mode="json") for v in found])
    else:
        for v in found:
            state = "intact" if v.ok else "FAILED"
            console.print(f"{v.coi}: {state} — {v.entries} entries, {v.signatures} signatures, "
                          f"head {v.head_hash}", markup=False)  # fmt: skip
            for problem in v.problems:
                console.print(f"  {problem}", markup=False)
        console.print(
            f"{len(found)} cases checked, {sum(not v.ok for v in found)} failed", markup=False
        )
    if any(not v.ok for v in found):
        raise typer.Exit(BLOCKED_EXIT)


@celltherapy_app.command("export")
def export(
    ctx: typer.Context,
    coi: str,
    out: Annotated[Path, typer.Option("--out", help="file to write")],
    fmt: Annotated[str, typer.Option("--format", help="json | pdf")] = "json",
) -> None:
    """Export a case's batch record, signatures and public keys (JSON) or as a signed PDF."""
    if fmt not in ("json", "pdf"):
        raise typer.BadParameter("--format must be json or pdf")
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = service.authorize_case(session, context.actor(session), coi, Action.EXPORT,
                                        f"export batch record ({fmt})")  # fmt: skip
        data = exports.record_json(session, access=access, coi=coi)
    out.write_bytes(exports.pdf_bytes(data) if fmt == "pdf" else exports.json_bytes(data))
    console.print(f"wrote {out}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(celltherapy_app, name="celltherapy")
