# SPDX-License-Identifier: Apache-2.0
"""``oncoboard pro import`` and ``oncoboard alerts list|ack|escalate|resolve|sweep``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, get_args

import typer

from oncoboard.edge.cli_context import cli_context
from oncoboard.edge.cli_output import console, emit_json
from oncoboard.governance.cli_access import authorized
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.monitoring import queue
from oncoboard.monitoring.config import default_config
from oncoboard.monitoring.schemas import AlertActionIn, AlertDetail, Outcome
from oncoboard.store.db import unit_of_work

pro_app = typer.Typer(help="Patient-reported symptoms (PRO-CTCAE).", no_args_is_help=True)
alerts_app = typer.Typer(help="The symptom-alert queue.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="What was done or said")]


@pro_app.command("import")
def import_surveys(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="FHIR QuestionnaireResponse JSON or PRO CSV")],
    as_json: JsonOpt = False,
) -> None:
    """Import exported surveys: all rows or none; the same file twice changes nothing."""
    from oncoboard.monitoring import imports  # the survey readers: not loaded by the queue's reads

    context = cli_context(ctx)
    config = default_config()
    with unit_of_work(context.engine) as session:
        report = imports.import_file(
            session, actor=context.actor(session), config=config, path=path
        )
    if as_json:
        emit_json(report.model_dump(mode="json"))
        return
    console.print(
        f"{report.source} ({report.format}): {report.created} new, {report.unchanged} unchanged, "
        f"{report.alerts} alerts raised (sha256 {report.sha256[:12]})",
        markup=False,
    )


@alerts_app.command("list")
def list_alerts(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List open alerts by priority then age (escalates overdue ones first)."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = queue.authorize_queue(session, context.actor(session))
        page = queue.list_queue(session, access=access, config=default_config(), limit=limit)
    if as_json:
        emit_json(page.model_dump(mode="json"))
        return
    console.print(f"{page.total} open alert(s); {page.escalated_now} escalated now", markup=False)
    for alert in page.items:
        late = " OVERDUE" if alert.overdue else ""
        console.print(
            f"{alert.alert_id}  {alert.priority:6} {alert.status:12} {alert.patient_id}  "
            f"{alert.created_at:%Y-%m-%d %H:%M}{late}  {alert.summary}",
            markup=False,
        )


def _act(ctx: typer.Context, alert_id: str, action: AlertActionIn, as_json: bool) -> None:
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = queue.authorize_alert(session, context.actor(session), alert_id)
        detail = queue.act(
            session, access=access, config=default_config(), alert_id=alert_id, action=action
        )
    _print(detail, as_json)


def _print(detail: AlertDetail, as_json: bool) -> None:
    if as_json:
        emit_json(detail.model_dump(mode="json"))
        return
    console.print(f"alert {detail.alert_id}: {detail.status} ({detail.priority})", markup=False)
    for event in detail.events:
        console.print(
            f"  {event.at:%Y-%m-%d %H:%M} {event.kind} by {event.actor}"
            f"{': ' + event.note if event.note else ''}",
            markup=False,
        )


@alerts_app.command("ack")
def ack(ctx: typer.Context, alert_id: str, note: NoteOpt = None, as_json: JsonOpt = False) -> None:
    """Acknowledge an alert (stops its SLA clock)."""
    _act(ctx, alert_id, AlertActionIn(action="acknowledge", note=note), as_json)


@alerts_app.command("escalate")
def escalate(
    ctx: typer.Context,
    alert_id: str,
    note: Annotated[str, typer.Option("--note", help="Why the clinician is needed")],
    as_json: JsonOpt = False,
) -> None:
    """Escalate an alert to a clinician (starts the escalation deadline)."""
    _act(ctx, alert_id, AlertActionIn(action="escalate", note=note), as_json)


@alerts_app.command("resolve")
def resolve(
    ctx: typer.Context,
    alert_id: str,
    outcome: Annotated[str, typer.Option("--outcome", help=" | ".join(get_args(Outcome)))],
    note: NoteOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Resolve an alert with its outcome."""
    action = AlertActionIn.model_validate({"action": "resolve", "outcome": outcome, "note": note})
    _act(ctx, alert_id, action, as_json)


@alerts_app.command("sweep")
def sweep(
    ctx: typer.Context,
    now: Annotated[
        datetime | None, typer.Option("--now", help="Evaluate as of this UTC time (default: now)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Escalate overdue alerts, run the patient cascade and chase missed reports (a scheduled job)."""
    context = cli_context(ctx)
    moment = (now.replace(tzinfo=UTC) if now and now.tzinfo is None else now) or datetime.now(UTC)
    with authorized(context, Action.ADMINISTER, "alert sweep", purpose=Purpose.OPERATIONS) as (
        session,
        access,
    ):
        report = queue.sweep(session, access=access, config=default_config(), now=moment)
    if as_json:
        emit_json(report.model_dump(mode="json"))
        return
    console.print(
        f"escalated {report.escalated}, patients told to call {report.patients_told}, "
        f"reminders {report.reminders}, staff tasks {report.staff_tasks}",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(pro_app, name="pro")
    app.add_typer(alerts_app, name="alerts")
