# SPDX-License-Identifier: Apache-2.0
"""``oncoboard users|audit|consent``: every command acts as a named user through the gate."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from oncoboard.edge.cli_context import CliContext, cli_context
from oncoboard.edge.cli_output import console, emit_json
from oncoboard.errors import Conflict, InputError
from oncoboard.governance import audit, gate, service, users
from oncoboard.governance.cli_access import authorized
from oncoboard.governance.consent import ConsentIn, ConsentStatus
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.store.db import unit_of_work

users_app = typer.Typer(help="Accounts, roles and API tokens (admin).", no_args_is_help=True)
tokens_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
consent_app = typer.Typer(help="Consent per purpose, with history.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def _administer(session: Session, context: CliContext, obj: str) -> gate.Actor:
    """The gate for account administration (admin role, operations purpose); the acting user."""
    who = context.actor(session)
    gate.authorize(
        session, actor=who, action=Action.ADMINISTER, purpose=Purpose.OPERATIONS, obj=obj
    )
    return who


def _read_password() -> str:
    if sys.stdin.isatty():
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@users_app.command("create")
def create_user(
    ctx: typer.Context,
    username: str,
    name: Annotated[str, typer.Option("--name", help="Display name, e.g. 'Dr Ana Rivera'")],
    role: Annotated[list[Role], typer.Option("--role", help="Repeat for several roles")],
    patient: Annotated[str | None, typer.Option("--patient", help="Link a patient account")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Create a user with roles (a patient user is linked to their own record)."""
    context = cli_context(ctx)
    password = _read_password() if password_stdin else None
    with unit_of_work(context.engine) as session:
        who = _administer(session, context, f"user {username}: create")
        user = users.create_user(
            session,
            username=username,
            display_name=name,
            roles=role,
            granted_by=who.username,
            password=password,
            patient_id=patient,
        )
    console.print(f"created {user.username} ({', '.join(user.roles)})", markup=False)


@users_app.command("grant")
def grant_role(ctx: typer.Context, username: str, role: Role) -> None:
    """Grant a role to a user."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        who = _administer(session, context, f"user {username}: grant {role.value}")
        user = users.grant(session, username=username, role=role, granted_by=who.username)
    console.print(f"{user.username}: {', '.join(user.roles)}", markup=False)


@users_app.command("revoke")
def revoke_role(ctx: typer.Context, username: str, role: Role) -> None:
    """Revoke a role from a user."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        _administer(session, context, f"user {username}: revoke {role.value}")
        user = users.revoke(session, username=username, role=role)
    console.print(f"{user.username}: {', '.join(user.roles) or 'no roles'}", markup=False)


@users_app.command("set-password")
def set_password(ctx: typer.Context, username: str) -> None:
    """Set a user's password (read from stdin or prompted; never from the command line)."""
    context = cli_context(ctx)
    password = _read_password()
    with unit_of_work(context.engine) as session:
        _administer(session, context, f"user {username}: set password")
        ended, revoked = users.set_password(session, username=username, password=password)
    console.print(
        f"password set for {username}; ended {ended} session(s), revoked {revoked} token(s)",
        markup=False,
    )


@users_app.command("disable")
def disable_user(
    ctx: typer.Context,
    username: Annotated[str | None, typer.Argument()] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Disable every account the demo loader created")
    ] = False,
) -> None:
    """Disable an account: it cannot log in, and every session and token it has ends now."""
    if (username is None) == (not demo):
        raise InputError("give a user name or --demo (not both)")
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        names = users.demo_accounts(session) if demo else [str(username)]
        who = _administer(
            session, context, f"user {'demo accounts' if demo else username}: disable"
        )
        if who.username in names:
            raise Conflict(f"{who.username} is the account this command acts as; use another")
        for name in names:
            ended, revoked = users.set_active(session, username=name, active=False)
            console.print(
                f"{name} disabled; ended {ended} session(s), revoked {revoked} token(s)",
                markup=False,
            )
    if demo and not names:
        console.print("no active demo accounts", markup=False)


@users_app.command("enable")
def enable_user(ctx: typer.Context, username: str) -> None:
    """Enable a disabled account again (its old sessions and tokens stay ended)."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        _administer(session, context, f"user {username}: enable")
        users.set_active(session, username=username, active=True)
    console.print(f"{username} enabled", markup=False)


@users_app.command("list")
def list_users(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List users and their roles."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        _administer(session, context, "user list")
        listed = users.list_users(session)
    if as_json:
        emit_json([u.model_dump(mode="json") for u in listed])
        return
    for user in listed:
        linked = f" (patient {user.patient_id})" if user.patient_id else ""
        console.print(
            f"{user.username}: {user.display_name}; {', '.join(user.roles) or 'no roles'}"
            f"{linked}{'' if user.active else ' [disabled]'}",
            markup=False,
        )


@tokens_app.command("create")
def create_token(
    ctx: typer.Context,
    username: str,
    name: Annotated[str, typer.Option("--name")],
    days: Annotated[int, typer.Option("--days", min=1, max=3650)] = 90,
) -> None:
    """Create an API token; the secret is printed once and stored only as a hash."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        _administer(session, context, f"user {username}: create token {name}")
        secret, token = users.create_token(
            session, username=username, name=name, valid_for=timedelta(days=days)
        )
    console.print(
        f"token {token.id} ({token.name}) expires {token.expires_at:%Y-%m-%d}", markup=False
    )
    sys.stdout.write(secret + "\n")


@tokens_app.command("list")
def list_tokens(ctx: typer.Context, username: str, as_json: JsonOpt = False) -> None:
    """List a user's tokens (prefixes only)."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        _administer(session, context, f"user {username}: list tokens")
        tokens = users.list_tokens(session, username=username)
    if as_json:
        emit_json([t.model_dump(mode="json") for t in tokens])
        return
    for token in tokens:
        state = "revoked" if token.revoked_at else f"expires {token.expires_at:%Y-%m-%d}"
        console.print(f"{token.id}\t{token.prefix}…\t{token.name}\t{state}", markup=False)


@tokens_app.command("revoke")
def revoke_token(ctx: typer.Context, username: str, token_id: int) -> None:
    """Revoke one of a user's tokens."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        _administer(session, context, f"user {username}: revoke token {token_id}")
        users.revoke_token(session, username=username, token_id=token_id)
    console.print(f"token {token_id} revoked", markup=False)


@audit_app.command("verify")
def verify_chain(ctx: typer.Context) -> None:
    """Walk the hash chain; name the first entry that was modified, deleted or inserted."""
    context = cli_context(ctx)
    with authorized(context, Action.READ_AUDIT, "audit chain: verify", purpose=Purpose.OPERATIONS):
        pass  # refused before the chain is read; the walk below uses its own connections
    # two processes on two cores; small chains are walked in one
    report = audit.verify_parallel(
        context.engine.url.render_as_string(hide_password=False), workers=2
    )
    with context.engine.connect() as connection:
        report = audit.with_anchor(connection, report)
    if not report.ok:
        raise Conflict(
            f"audit chain broken after {report.checked} intact entries: {report.problem}"
        )
    console.print(f"audit chain intact: {report.checked} entries", markup=False)


@audit_app.command("export")
def export_audit(
    ctx: typer.Context,
    patient: Annotated[str | None, typer.Option("--patient")] = None,
    actor: Annotated[str | None, typer.Option("--actor")] = None,
    since: Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD (inclusive)")] = None,
    until: Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD (inclusive)")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write JSON Lines here")] = None,
) -> None:
    """Export audit entries as JSON Lines, filtered by patient, actor and dates."""
    context = cli_context(ctx)
    first, last = _date(since, "--since"), _date(until, "--until")
    with authorized(
        context, Action.READ_AUDIT, "audit trail: export", purpose=Purpose.OPERATIONS
    ) as (session, access):
        lines = service.export_audit(
            session, access=access, patient=patient, actor=actor, since=first, until=last
        )
        handle = out.open("w", encoding="utf-8") if out else sys.stdout
        count = 0
        for line in lines:
            handle.write(line + "\n")
            count += 1
        if out:
            handle.close()
            console.print(f"{count} entries written to {out}", markup=False)


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise InputError(f"{option}: expected YYYY-MM-DD, got {text!r}") from error


@consent_app.command("show")
def show_consent(ctx: typer.Context, patient: str, as_json: JsonOpt = False) -> None:
    """Show the consent in force per purpose and its full history."""
    context = cli_context(ctx)
    with authorized(context, Action.MANAGE_CONSENT, "consent", patient_id=patient) as (
        session,
        access,
    ):
        overview = service.consent_overview(session, access=access)
    if as_json:
        emit_json(overview.model_dump(mode="json"))
        return
    for current in overview.current:
        state = current.in_force or "nothing recorded"
        verdict = "access allowed" if current.allows_access else "access refused"
        console.print(
            f"{current.purpose.value}: {state} ({verdict}; {current.legal_basis})", markup=False
        )
    for event in overview.history:
        console.print(
            f"  {event.recorded_at:%Y-%m-%d %H:%M} {event.purpose.value} {event.status} "
            f"by {event.recorded_by} ({event.source})",
            markup=False,
        )


def _change(
    ctx: typer.Context, patient: str, purpose: Purpose, status: ConsentStatus, source: str
) -> None:
    context = cli_context(ctx)
    with authorized(
        context, Action.MANAGE_CONSENT, f"consent {purpose.value}", patient_id=patient
    ) as (session, access):
        event = service.change_consent(
            session,
            access=access,
            consent_in=ConsentIn(purpose=purpose, status=status, source=source),
        )
    console.print(f"{patient}: {purpose.value} {event.status} ({event.source})", markup=False)


SourceOpt = Annotated[str, typer.Option("--source", help="e.g. 'paper form 2026/114'")]


@consent_app.command("grant")
def grant_consent(ctx: typer.Context, patient: str, purpose: Purpose, source: SourceOpt) -> None:
    """Record that the patient granted consent for a purpose."""
    _change(ctx, patient, purpose, "granted", source)


@consent_app.command("withdraw")
def withdraw_consent(ctx: typer.Context, patient: str, purpose: Purpose, source: SourceOpt) -> None:
    """Record a withdrawal; it takes effect for new reads at once."""
    _change(ctx, patient, purpose, "withdrawn", source)


def register(app: typer.Typer) -> None:
    users_app.add_typer(tokens_app, name="token")
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
    app.add_typer(consent_app, name="consent")
