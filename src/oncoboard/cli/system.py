# SPDX-License-Identifier: Apache-2.0
"""System commands: serve, db upgrade, version, doctor, demo."""

from __future__ import annotations

import platform
import shutil
from importlib import metadata
from typing import Annotated

import typer
from sqlalchemy import text

from oncoboard import __version__
from oncoboard.cli.context import cli_context
from oncoboard.cli.output import console, emit_json, err_console
from oncoboard.governance.users import ensure_site_admin
from oncoboard.store.db import unit_of_work
from oncoboard.store.migrate import current_revision, head_revision, upgrade

db = typer.Typer(help="Database schema.", no_args_is_help=True)

DEPENDENCIES = (
    "fastapi",
    "sqlalchemy",
    "alembic",
    "pydantic",
    "typer",
    "cyvcf2",
    "fhir.resources",
    "phenopackets",
    "protobuf",
    "pandas",
    "psycopg",
    "uvicorn",
)


@db.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or upgrade the database schema to the newest revision."""
    context = cli_context(ctx)
    revision = upgrade(context.engine)
    with unit_of_work(context.engine) as session:
        ensure_site_admin(session)
    console.print(
        f"database at revision {revision} ({_safe_url(context.settings.database_url)})",
        markup=False,
    )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def version(
    ctx: typer.Context,
    full: Annotated[bool, typer.Option("--full", help="Python, database and dependencies")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Print the OncoBoard version (with --full: everything a bug report needs)."""
    if not full:
        console.print(f"oncoboard {__version__}", markup=False)
        return
    info = version_info(ctx)
    if as_json:
        emit_json(info)
        return
    for key, value in info.items():
        if isinstance(value, dict):
            console.print(f"{key}:", markup=False)
            for name, ver in value.items():
                console.print(f"  {name}: {ver}", markup=False)
        else:
            console.print(f"{key}: {value}", markup=False)


def version_info(ctx: typer.Context) -> dict[str, object]:
    context = cli_context(ctx)
    deps: dict[str, str] = {}
    for name in DEPENDENCIES:
        try:
            deps[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            deps[name] = "not installed"
    try:
        with context.engine.connect() as connection:
            server = connection.dialect.server_version_info
        revision = current_revision(context.engine)
        database = f"{context.engine.dialect.name} {'.'.join(map(str, server or ()))}"
    except Exception as error:  # report, don't fail: version must work on a broken install
        database, revision = f"unreachable ({type(error).__name__})", None
    return {
        "oncoboard": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "database": database,
        "database_url": _safe_url(context.settings.database_url),
        "schema_revision": revision or "none",
        "schema_head": head_revision(),
        "dependencies": deps,
    }


def doctor(
    ctx: typer.Context,
    postgres_url: Annotated[
        str | None, typer.Option("--postgres-url", help="PostgreSQL URL to check")
    ] = None,
) -> None:
    """Check required and optional parts and say what is missing and how to get it."""
    import os

    from oncoboard.store.db import make_engine

    context = cli_context(ctx)
    checks: list[tuple[str, bool, str]] = []
    try:
        revision = current_revision(context.engine)
        ok = revision == head_revision()
        checks.append(
            (
                "database",
                ok,
                f"revision {revision}"
                if ok
                else f"revision {revision}, newest {head_revision()}: run `oncoboard db upgrade`",
            )
        )
    except Exception as error:
        checks.append(("database", False, f"cannot connect: {type(error).__name__}: {error}"))
    pg = postgres_url or os.environ.get("ONCOBOARD_TEST_POSTGRES_URL")
    if pg:
        try:
            with make_engine(pg).connect() as connection:
                connection.execute(text("select 1"))
            checks.append(("postgresql", True, "reachable"))
        except Exception as error:
            checks.append(
                (
                    "postgresql",
                    False,
                    f"unreachable ({type(error).__name__}); "
                    "apt-get install postgresql and start it on 127.0.0.1",
                )
            )
    else:
        checks.append(
            (
                "postgresql",
                False,
                "not configured (optional): set ONCOBOARD_TEST_POSTGRES_URL or pass --postgres-url",
            )
        )
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    checks.append(
        (
            "chromium",
            bool(chromium),
            chromium or "not found (optional, for browser tests): apt-get install chromium",
        )
    )
    for name, ok, detail in checks:
        mark = "ok " if ok else "-- "
        console.print(f"{mark} {name}: {detail}", markup=False)
    if not checks[0][1]:
        raise typer.Exit(1)


def serve(
    ctx: typer.Context,
    demo: Annotated[
        bool, typer.Option("--demo", help="Upgrade the DB and load the demo cohort")
    ] = False,
    host: Annotated[str | None, typer.Option("--host")] = None,
    port: Annotated[int | None, typer.Option("--port")] = None,
) -> None:
    """Start the web app and API."""
    import uvicorn

    from oncoboard.api.app import create_app

    context = cli_context(ctx)
    settings = context.settings
    if demo:
        from oncoboard.demo.loader import load_demo

        upgrade(context.engine)
        with unit_of_work(context.engine) as session:
            ensure_site_admin(session)
        for line in load_demo(engine=context.engine, settings=settings):
            console.print(line, markup=False)
    application = create_app(settings, engine=context.engine)
    bind_host, bind_port = host or settings.host, port or settings.port
    if settings.env != "prod" and not _loopback(bind_host):
        err_console.print(
            f"warning: serving on {bind_host} with ONCOBOARD_ENV={settings.env}: other machines "
            "can reach this server, its cookies are not Secure and demo accounts may be "
            "enabled. Use ONCOBOARD_ENV=prod with a real ONCOBOARD_SECRET_KEY behind HTTPS, "
            "or --host 127.0.0.1.",
            markup=False,
            soft_wrap=True,
        )
    console.print(
        f"OncoBoard {__version__} on http://{bind_host}:{bind_port}/ (API docs: /api/v1/docs)",
        markup=False,
    )
    uvicorn.run(application, host=bind_host, port=bind_port, log_level="info")


def _loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    app.add_typer(db, name="db")
    app.command("version")(version)
    app.command("doctor")(doctor)
    app.command("serve")(serve)
